"""The resident's app: filing a report, following it by its tracking token, the category
list and suggestions while typing."""

import re

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.classification.predict import predict
from backend.common.errors import DomainValidationError
from backend.reports.services import ReportCreateResult, report_create
from backend.reports.tracking import tracking_token_of
from backend.taxonomy.selectors import category_tree
from frontend_api.common.errors import ErrorCode, error_body
from frontend_api.common.permissions import Anyone
from frontend_api.common.serializers import ErrorSerializer
from frontend_api.common.throttling import ClassifyThrottle, IntakeThrottle, TokenLookupView

from .representations import classification, created_report, public_links, public_report
from .schema import INVALID
from .serializers import (
    ClassifyInputSerializer,
    ClassifyOutputSerializer,
    MainCategorySerializer,
    PublicReportSerializer,
    ReportCreatedSerializer,
    ReportCreateInputSerializer,
)
from .tracking import report_for_token

_IDEMPOTENCY_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")


def _idempotency_key(request: Request) -> str | None:
    key = request.headers.get("Idempotency-Key")
    if key is not None and not _IDEMPOTENCY_KEY.match(key):
        raise DomainValidationError.single(
            "Idempotency-Key", _("Use 1 to 255 printable ASCII characters without spaces.")
        )
    return key


# One instance for every request: its fields, nested ones included, are bound on first use and
# only read after, and intake is the hot path: a serializer per request copies and binds a
# dozen fields again (more CPU than the rest of building the answer).
_CREATED = ReportCreatedSerializer()


class _CreatedBody:
    """The 201 body, serialized once: report_create() keeps it for an Idempotency-Key (it
    calls this inside its transaction) and the response sends it."""

    def __init__(self, *, photos_received: int) -> None:
        self.photos_received = photos_received
        self.body: dict | None = None

    def __call__(self, result: ReportCreateResult) -> dict:
        if result.replayed_response is not None:
            # The first answer, as kept for the key: without the token, which is never stored.
            links = public_links(result.report)
            return {
                **result.replayed_response,
                "tracking_token": tracking_token_of(result.report) or "",
                "links": {"self": links.self_url, "websocket": links.websocket},
            }
        if self.body is None:
            created = created_report(
                result.report,
                photos_received=self.photos_received,
                nearby=result.possible_duplicates,
            )
            self.body = _CREATED.to_representation(created)
        return self.body


class ReportCreateView(APIView):
    permission_classes = [Anyone]
    authentication_classes: list = []
    throttle_classes = [IntakeThrottle]

    @extend_schema(
        operation_id="public_report_create",
        request={
            "application/json": ReportCreateInputSerializer,
            "multipart/form-data": ReportCreateInputSerializer,
        },
        parameters=[
            OpenApiParameter(
                "Idempotency-Key",
                str,
                OpenApiParameter.HEADER,
                description="A retry with the same key and body returns the first response.",
            )
        ],
        responses={
            201: ReportCreatedSerializer,
            400: INVALID,
            413: OpenApiResponse(
                ErrorSerializer,
                description="Content-Length over REQUEST_BODY_MAX_BYTES; refused unread.",
            ),
            422: OpenApiResponse(ErrorSerializer, description="Idempotency-Key reused."),
        },
        tags=["public"],
    )
    def post(self, request: Request) -> Response:
        key = _idempotency_key(request)
        serializer = ReportCreateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        body = _CreatedBody(photos_received=len(data["photos"]))
        result = report_create(
            **data,
            # Set from Accept-Language by LocaleMiddleware; a tie-breaker for a short text only.
            language_hint=request.LANGUAGE_CODE if "Accept-Language" in request.headers else None,
            idempotency_key=key,
            render=body,
        )
        return Response(body(result), status=status.HTTP_201_CREATED)


class ReportPublicView(TokenLookupView):
    permission_classes = [Anyone]
    authentication_classes: list = []

    @extend_schema(
        operation_id="public_report_retrieve",
        responses={200: PublicReportSerializer, 404: ErrorSerializer},
        tags=["public"],
    )
    def get(self, request: Request, tracking_token: str) -> Response:
        report = report_for_token(tracking_token)
        return Response(PublicReportSerializer(public_report(report)).data)


class CategoryTreeView(APIView):
    permission_classes = [Anyone]
    authentication_classes: list = []

    @extend_schema(
        operation_id="public_categories",
        responses={200: MainCategorySerializer(many=True)},
        tags=["public"],
    )
    def get(self, request: Request) -> Response:
        return Response(MainCategorySerializer(category_tree(), many=True).data)


class ClassifyView(APIView):
    """Category suggestions for the app to preselect while the resident types."""

    permission_classes = [Anyone]
    authentication_classes: list = []
    throttle_classes = [ClassifyThrottle]

    @extend_schema(
        operation_id="public_classify",
        request=ClassifyInputSerializer,
        responses={
            200: ClassifyOutputSerializer,
            400: INVALID,
            503: OpenApiResponse(ErrorSerializer, description="No classifier is active yet."),
        },
        tags=["public"],
    )
    def post(self, request: Request) -> Response:
        serializer = ClassifyInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        prediction = predict(serializer.validated_data["text"])
        if prediction is None:
            return Response(
                error_body(ErrorCode.CLASSIFIER_UNAVAILABLE, "No classifier is active yet."),
                status=status.HTTP_503_SERVICE_UNAVAILABLE,
            )
        return Response(ClassifyOutputSerializer(classification(prediction)).data)
