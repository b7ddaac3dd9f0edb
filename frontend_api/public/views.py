import re

from django.contrib.gis.geos import Point
from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.classification.predict import predict
from backend.common.errors import DomainValidationError
from backend.notifications.services import follow_token_for
from backend.reports.models import Attachment, Report
from backend.reports.presentation import public_event
from backend.reports.selectors import (
    NearbyReport,
    report_by_tracking_token,
    report_photo_counts,
    report_public_events,
    report_ready_photos,
)
from backend.reports.services import PhotoUpload, report_create
from backend.reports.tracking import tracking_token_for
from backend.reports.workflow import status_text
from backend.taxonomy.selectors import category_by_path, category_tree
from frontend_api.common.errors import ErrorCode, error_body
from frontend_api.common.permissions import Anyone
from frontend_api.common.representations import category_ref, photo_ref, public_links
from frontend_api.common.serializers import ErrorSerializer

from .serializers import (
    ClassifyInputSerializer,
    ClassifyOutputSerializer,
    MainCategorySerializer,
    PublicReportSerializer,
    ReportCreatedSerializer,
    ReportCreateInputSerializer,
)

_IDEMPOTENCY_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")
_ERRORS = {
    400: OpenApiResponse(ErrorSerializer, description="Invalid input; `fields` names each field."),
}


def _created_body(report: Report, *, photos: int, nearby: list[NearbyReport]) -> dict:
    return {
        "id": str(report.id),
        "tracking_token": tracking_token_for(report.id),
        "status": report.status,
        "status_text": status_text(report.status, report.language),
        "category": category_ref(report.category),
        "needs_triage": report.needs_triage,
        "deadline": report.deadline.isoformat() if report.deadline else None,
        "location": {"lat": report.location.y, "lon": report.location.x},
        "location_source": report.location_source,
        "photos_received": photos,
        "possible_duplicates": [
            {
                "category": category_ref(report.category),
                "status": other.status,
                "status_text": status_text(other.status, report.language),
                "distance_m": round(other.distance_m, 1),
                "created_at": other.created_at.isoformat(),
                "follow_token": follow_token_for(other.id),
            }
            # Same category by definition: the report's own is the duplicates' category.
            for other in nearby
        ],
        "links": public_links(report),
    }


class ReportCreateView(APIView):
    permission_classes = [Anyone]
    authentication_classes: list = []

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
            **_ERRORS,
            422: OpenApiResponse(ErrorSerializer, description="Idempotency-Key reused."),
        },
        tags=["public"],
    )
    def post(self, request: Request) -> Response:
        key = request.headers.get("Idempotency-Key")
        if key is not None and not _IDEMPOTENCY_KEY.match(key):
            raise DomainValidationError.single(
                "Idempotency-Key", "Use 1 to 255 printable ASCII characters without spaces."
            )
        serializer = ReportCreateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        photos = [
            PhotoUpload(file=upload, size=upload.size, mime_type=inspection.mime_type)
            for upload, inspection in data["photos"]
        ]
        result = report_create(
            text=data["text"],
            location=Point(data["lon"], data["lat"], srid=4326),
            location_source=(
                Report.LocationSource.PHOTO_EXIF
                if data.get("location_from_photo")
                else Report.LocationSource.RESIDENT
            ),
            category=data.get("category"),
            language=data["language"],
            source=data["source"],
            email=data.get("email", ""),
            phone=data.get("phone", ""),
            allow_contact=data["allow_contact"],
            photos=photos,
            idempotency_key=key,
            render=lambda created: _created_body(
                created.report, photos=len(photos), nearby=created.possible_duplicates
            ),
        )
        if result.replayed_response is not None:
            body = {
                **result.replayed_response,
                "tracking_token": tracking_token_for(result.report.id),
            }
        else:
            body = _created_body(
                result.report, photos=len(photos), nearby=result.possible_duplicates
            )
        return Response(body, status=status.HTTP_201_CREATED)


class ReportPublicView(APIView):
    permission_classes = [Anyone]
    authentication_classes: list = []

    @extend_schema(
        operation_id="public_report_retrieve",
        responses={200: PublicReportSerializer, 404: ErrorSerializer},
        tags=["public"],
    )
    def get(self, request: Request, tracking_token: str) -> Response:
        report = report_by_tracking_token(tracking_token)
        if report is None:
            raise Http404
        photos = list(report_ready_photos(report))
        processing = report_photo_counts(report)[Attachment.State.PENDING]
        body = {
            "status": report.status,
            "status_text": status_text(report.status, report.language, report.resolution or None),
            "resolution": report.resolution,
            "category": category_ref(report.category),
            "text": report.text,
            "location": {"lat": report.location.y, "lon": report.location.x},
            "created_at": report.created_at,
            "deadline": report.deadline,
            "photos": [photo_ref(photo) for photo in photos],
            "photos_processing": processing,
            "timeline": [public_event(event, report) for event in report_public_events(report)],
            "links": public_links(report),
        }
        return Response(PublicReportSerializer(body).data)


class CategoryTreeView(APIView):
    permission_classes = [Anyone]
    authentication_classes: list = []

    @extend_schema(
        operation_id="public_categories",
        responses={200: MainCategorySerializer(many=True)},
        tags=["public"],
    )
    def get(self, request: Request) -> Response:
        tree = [
            {
                "slug": main.slug,
                "name_nl": main.name_nl,
                "name_en": main.name_en,
                "sub": [
                    {"slug": sub.path, "name_nl": sub.name_nl, "name_en": sub.name_en}
                    for sub in main.children.all()
                ],
            }
            for main in category_tree()
        ]
        return Response(tree)


class ClassifyView(APIView):
    """Category suggestions for the app to preselect while the resident types."""

    permission_classes = [Anyone]
    authentication_classes: list = []

    @extend_schema(
        operation_id="public_classify",
        request=ClassifyInputSerializer,
        responses={
            200: ClassifyOutputSerializer,
            **_ERRORS,
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
        suggestions = []
        for suggestion in prediction.subs:
            category = category_by_path(suggestion.slug)
            if category is None:  # a category retired since the model was trained
                continue
            suggestions.append(
                {
                    "slug": category.path,
                    "main": suggestion.main,
                    "name_nl": category.name_nl,
                    "name_en": category.name_en,
                    "probability": round(suggestion.probability, 4),
                }
            )
        return Response(
            ClassifyOutputSerializer(
                {"suggestions": suggestions, "model_version": prediction.model_version}
            ).data
        )
