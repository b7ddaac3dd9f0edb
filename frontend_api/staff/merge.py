import uuid

from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from backend.notifications.services import report_merge
from backend.reports.selectors import report_get
from frontend_api.common.serializers import ErrorSerializer, JSONTypes

from .views import WideStaffView


class MergeInputSerializer(JSONTypes, serializers.Serializer):
    into = serializers.UUIDField(help_text="the report that stays; this one closes as duplicate")


# Reads a Report.
class MergedSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    status = serializers.CharField()
    resolution = serializers.CharField()
    merged_into = serializers.UUIDField(source="merged_into_id")


class ReportMergeView(WideStaffView):
    @extend_schema(
        operation_id="staff_reports_merge",
        request=MergeInputSerializer,
        responses={
            200: MergedSerializer,
            400: OpenApiResponse(ErrorSerializer, description="Invalid input; names the field."),
            401: ErrorSerializer,
            403: ErrorSerializer,
            404: ErrorSerializer,
            409: OpenApiResponse(ErrorSerializer, description="Not allowed in this state."),
        },
        tags=["staff"],
    )
    def post(self, request: Request, report_id: uuid.UUID) -> Response:
        """Close this report as a duplicate of `into`; its followers follow that one from now."""
        if report_get(report_id) is None:
            raise Http404
        serializer = MergeInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        report = report_merge(
            report_id=report_id,
            into_id=serializer.validated_data["into"],
            actor=self.actor(request),
        )
        return Response(MergedSerializer(report).data)
