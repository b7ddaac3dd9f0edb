"""The resident's answer to the municipality's question about a report (text and photos)."""

from django.conf import settings
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from backend.reports.services import PhotoUpload, report_reply
from frontend_api.common.parsers import JSONParser
from frontend_api.common.permissions import Anyone
from frontend_api.common.photos import photos_field, photos_field_validate
from frontend_api.common.serializers import ErrorSerializer, JSONTypes
from frontend_api.common.throttling import TokenLookupView

from .schema import TOKEN_ERRORS
from .serializers import ReportStateSerializer
from .tracking import report_for_token, report_state_response


class ReplyInputSerializer(JSONTypes, serializers.Serializer):
    text = serializers.CharField(max_length=settings.REPORT_TEXT_MAX_LENGTH)
    photos = photos_field()

    def validate_photos(self, files) -> list[PhotoUpload]:
        return [photo.upload for photo in photos_field_validate(files)]


class ReplyView(TokenLookupView):
    permission_classes = [Anyone]
    authentication_classes: list = []
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema(
        operation_id="public_report_reply",
        request={
            "application/json": ReplyInputSerializer,
            "multipart/form-data": ReplyInputSerializer,
        },
        responses={
            200: ReportStateSerializer,
            **TOKEN_ERRORS,
            409: OpenApiResponse(ErrorSerializer, description="No question is waiting."),
        },
        tags=["public"],
    )
    def post(self, request: Request, tracking_token: str) -> Response:
        """Answer the municipality's question; the report goes back to where it was."""
        report = report_for_token(tracking_token)
        serializer = ReplyInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        report_reply(report_id=report.id, **serializer.validated_data)
        return report_state_response(report)
