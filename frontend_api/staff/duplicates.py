"""Possible duplicates of a report, for a dispatcher deciding whether to merge."""

import uuid

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from backend.reports.selectors import report_duplicate_candidates
from frontend_api.common.serializers import ErrorSerializer, RoundedFloatField

from .representations import DuplicateCandidateRow
from .serializers import StaffReportSerializer
from .views import StaffView, report_or_404, scope_of


# Reads a DuplicateCandidateRow: the report's fields, and how far it is.
class DuplicateCandidateSerializer(StaffReportSerializer):
    distance_m = RoundedFloatField(digits=1, help_text="metres from the report asked about")


# Reads a list of DuplicateCandidateRows.
class DuplicateCandidatesSerializer(serializers.Serializer):
    results = DuplicateCandidateSerializer(many=True)


class ReportDuplicatesView(StaffView):
    """Open reports of the same category within 50 m, made in the last 30 days, nearest first
    (the report itself never among them; none without a category)."""

    @extend_schema(
        operation_id="staff_reports_duplicates",
        responses={
            200: DuplicateCandidatesSerializer,
            401: ErrorSerializer,
            403: ErrorSerializer,
            404: OpenApiResponse(ErrorSerializer, description="No such report."),
        },
        tags=["staff"],
    )
    def get(self, request: Request, report_id: uuid.UUID) -> Response:
        report = report_or_404(request, report_id)
        scope = scope_of(request)
        # Department staff see the candidates of their own department only.
        rows = [
            DuplicateCandidateRow(report=c.report, distance_m=c.distance_m)
            for c in report_duplicate_candidates(report)
            if scope.department_id is None or c.report.department_id == scope.department_id
        ]
        return Response(DuplicateCandidatesSerializer({"results": rows}).data)
