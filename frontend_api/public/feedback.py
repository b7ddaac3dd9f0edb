"""The resident's verdict on a closing: satisfied, or not (which asks to reopen the report)."""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from backend.notifications.services import FeedbackWindowClosed, feedback_give
from frontend_api.common.errors import ErrorCode, error_body
from frontend_api.common.permissions import Anyone
from frontend_api.common.serializers import ErrorSerializer, JSONTypes
from frontend_api.common.throttling import TokenLookupView

from .schema import TOKEN_ERRORS
from .serializers import ReportStateSerializer
from .tracking import report_for_token, report_state_response


class FeedbackInputSerializer(JSONTypes, serializers.Serializer):
    satisfied = serializers.BooleanField()
    text = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class FeedbackView(TokenLookupView):
    permission_classes = [Anyone]
    authentication_classes: list = []

    @extend_schema(
        operation_id="public_report_feedback",
        request=FeedbackInputSerializer,
        responses={
            201: ReportStateSerializer,
            **TOKEN_ERRORS,
            409: OpenApiResponse(ErrorSerializer, description="Not closed, or already given."),
            410: OpenApiResponse(ErrorSerializer, description="The feedback window has passed."),
        },
        tags=["public"],
    )
    def post(self, request: Request, tracking_token: str) -> Response:
        """Satisfied or not with a closing; not satisfied asks to reopen the report."""
        report = report_for_token(tracking_token)
        serializer = FeedbackInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            feedback_give(report_id=report.id, **serializer.validated_data)
        except FeedbackWindowClosed as exc:
            return Response(error_body(ErrorCode.GONE, str(exc)), status=status.HTTP_410_GONE)
        response = report_state_response(report)
        response.status_code = status.HTTP_201_CREATED
        return response
