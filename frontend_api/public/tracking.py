"""A report as the resident reaches it: by its tracking token, the only key they hold."""

from django.http import Http404
from rest_framework.response import Response

from backend.reports.models import Report
from backend.reports.selectors import report_by_tracking_token

from .serializers import ReportStateSerializer


def report_for_token(token: str) -> Report:
    report = report_by_tracking_token(token)
    if report is None:
        raise Http404
    return report


def report_state_response(report: Report) -> Response:
    """Where the report stands after the resident's answer moved it."""
    report.refresh_from_db(fields=["status", "resolution", "language"])
    return Response(ReportStateSerializer(report).data)
