"""A Signalen-compatible API at /signals/v1/: the public part residents' apps call, and the
private part trade systems poll. Thin views over the services every front end calls."""

import uuid
from typing import Any, cast
from urllib.parse import urlencode

from django.contrib.gis.geos import Point, Polygon
from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.accounts.models import User
from backend.common.errors import ConflictError
from backend.notifications.services import feedback_give
from backend.reports.actors import ActorRef
from backend.reports.models import Report
from backend.reports.selectors import report_by_tracking_token, report_get
from backend.reports.selectors_standards import reports_for_standards
from backend.reports.services import report_create, report_photos_add, report_transition
from backend.reports.workflow import OPEN_STATUSES, Status
from backend.taxonomy.models import Category
from backend.taxonomy.selectors import category_tree

from ..common.permissions import Anyone
from ..common.photos import photos_identify
from ..common.report_refs import report_ids_for_short_ids
from ..common.status_table import (
    SIGNALEN_INBOUND,
    SIGNALEN_UNSUPPORTED,
    statuses_for_signalen,
)
from ..common.throttling import TokenLookupView
from .access import SignalenIntakeThrottle, SignalenTokenAuthentication, StaffOrContractor
from .errors import signalen_exception_handler
from .inputs import (
    SignalenAttachmentInputSerializer,
    SignalenFeedbackInputSerializer,
    SignalenGeographyInputSerializer,
    SignalenPrivateListInputSerializer,
    SignalenSignalCreateInputSerializer,
    SignalenSignalUpdateInputSerializer,
)
from .representations import STANDARD_ANSWERS, FeatureCollection, HalLinks, HalPage, Href
from .serializers import (
    SignalenAttachmentSerializer,
    SignalenCategoryPageSerializer,
    SignalenDetailSerializer,
    SignalenFeatureCollectionSerializer,
    SignalenFeedbackFormSerializer,
    SignalenMainCategorySerializer,
    SignalenPrivateSignalPageSerializer,
    SignalenPrivateSignalSerializer,
    SignalenPublicSignalSerializer,
    SignalenStandardAnswerSerializer,
    SignalenSubCategorySerializer,
)

THROTTLED = {
    429: OpenApiResponse(
        SignalenDetailSerializer, description="Over the anonymous rate; see Retry-After."
    )
}
GONE = {410: OpenApiResponse(SignalenDetailSerializer, description='"too late" or "filled out".')}

# Reports on the public map at most; a bbox over the whole city gets the newest.
GEOGRAPHY_LIMIT = 4000


class SignalenView(APIView):
    authentication_classes: list = []
    permission_classes = [Anyone]
    renderer_classes = [JSONRenderer]
    parser_classes = [JSONParser]

    def get_exception_handler(self):
        return signalen_exception_handler


def _text(data: dict[str, Any]) -> str:
    """The report's text: Signalen's text, its extra text, and the answers to the category's
    questions, so the dispatcher reads all the resident said."""
    parts = [data["text"].strip()]
    if data.get("text_extra", "").strip():
        parts.append(data["text_extra"].strip())
    for prop in data.get("extra_properties") or []:
        answer = prop["answer"]
        if isinstance(answer, dict):
            answer = answer.get("label") or answer.get("value") or ""
        elif isinstance(answer, list):
            answer = ", ".join(str(a.get("label", a) if isinstance(a, dict) else a) for a in answer)
        parts.append(f"{prop.get('label') or prop['id']}: {answer}")
    return "\n\n".join(p for p in parts if p)


class PublicSignalCreateView(SignalenView):
    throttle_classes = [SignalenIntakeThrottle]

    @extend_schema(
        operation_id="signalen_public_signal_create",
        request=SignalenSignalCreateInputSerializer,
        responses={201: SignalenPublicSignalSerializer, **THROTTLED},
        tags=["signalen"],
    )
    def post(self, request: Request) -> Response:
        serializer = SignalenSignalCreateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        lon, lat = data["location"]["geometrie"]["coordinates"]
        reporter = data.get("reporter") or {}
        email = reporter.get("email") or ""
        phone = reporter.get("phone") or ""
        result = report_create(
            text=_text(data),
            location=Point(lon, lat, srid=4326),
            category=(data.get("category") or {}).get("sub_category"),
            source=Report.Source.APP,
            email=email,
            phone=phone,
            allow_contact=bool(reporter.get("sharing_allowed")),
            language_hint=request.LANGUAGE_CODE if "Accept-Language" in request.headers else None,
        )
        return Response(
            SignalenPublicSignalSerializer(result.report).data, status=status.HTTP_201_CREATED
        )


def _report_by_uuid(signal_id: str) -> Report:
    try:
        report_id = uuid.UUID(signal_id)
    except ValueError as exc:
        raise Http404 from exc
    report = report_get(report_id)
    if report is None:
        raise Http404
    return report


# The signal's uuid is its key on the public side: lookups are throttled like every token's.
class PublicSignalView(SignalenView, TokenLookupView):
    throttle_classes = TokenLookupView.throttle_classes

    @extend_schema(
        operation_id="signalen_public_signal",
        responses={200: SignalenPublicSignalSerializer},
        tags=["signalen"],
    )
    def get(self, request: Request, signal_id: str) -> Response:
        return Response(SignalenPublicSignalSerializer(_report_by_uuid(signal_id)).data)


def _hal_links(request: Request, page: int, size: int, count: int) -> HalLinks:
    def at(number: int) -> Href:
        query = {k: v for k, v in request.query_params.lists()}
        query["page"] = [str(number)]
        return Href(f"{request.build_absolute_uri(request.path)}?{urlencode(query, doseq=True)}")

    return HalLinks(
        self=Href(request.build_absolute_uri()),
        next=at(page + 1) if page * size < count else None,
        previous=at(page - 1) if page > 1 else None,
    )


class CategoryListView(SignalenView):
    @extend_schema(
        operation_id="signalen_categories",
        responses={200: SignalenCategoryPageSerializer},
        tags=["signalen"],
    )
    def get(self, request: Request) -> Response:
        mains = list(category_tree())
        page = HalPage(
            links=_hal_links(request, 1, len(mains) or 1, len(mains)),
            count=len(mains),
            results=mains,
        )
        return Response(SignalenCategoryPageSerializer(page).data)


def _main(slug: str) -> Category:
    for main in category_tree():
        if main.slug == slug:
            return main
    raise Http404


class CategoryDetailView(SignalenView):
    @extend_schema(
        operation_id="signalen_category",
        responses={200: SignalenMainCategorySerializer},
        tags=["signalen"],
    )
    def get(self, request: Request, slug: str) -> Response:
        return Response(SignalenMainCategorySerializer(_main(slug)).data)


class SubCategoryDetailView(SignalenView):
    @extend_schema(
        operation_id="signalen_sub_category",
        responses={200: SignalenSubCategorySerializer},
        tags=["signalen"],
    )
    def get(self, request: Request, slug: str, sub_slug: str) -> Response:
        for sub in _main(slug).children.all():
            if sub.slug == sub_slug:
                return Response(SignalenSubCategorySerializer(sub).data)
        raise Http404


class AttachmentCreateView(SignalenView, TokenLookupView):
    # The upload counts against the anonymous intake rate too: each photo is work for the
    # photo worker.
    throttle_classes = [*TokenLookupView.throttle_classes, SignalenIntakeThrottle]
    parser_classes = [MultiPartParser]

    @extend_schema(
        operation_id="signalen_public_attachment_create",
        request={"multipart/form-data": SignalenAttachmentInputSerializer},
        responses={201: SignalenAttachmentSerializer, **THROTTLED},
        tags=["signalen"],
    )
    def post(self, request: Request, signal_id: str) -> Response:
        report = _report_by_uuid(signal_id)
        serializer = SignalenAttachmentInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        photos = photos_identify([serializer.validated_data["file"]], field="file")
        [attachment] = report_photos_add(report_id=report.id, photos=[p.upload for p in photos])
        return Response(
            SignalenAttachmentSerializer(attachment).data, status=status.HTTP_201_CREATED
        )


class GeographyView(SignalenView):
    @extend_schema(
        operation_id="signalen_geography",
        parameters=[SignalenGeographyInputSerializer],
        responses={200: SignalenFeatureCollectionSerializer},
        tags=["signalen"],
    )
    def get(self, request: Request) -> Response:
        query = {
            k: v if k in ("maincategory_slug", "category_slug") else v[-1]
            for k, v in request.query_params.lists()
        }
        serializer = SignalenGeographyInputSerializer(data=query)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if "bbox" in data:
            area = Polygon.from_bbox(data["bbox"])
        else:
            # A point asks for what is reported around it: some 50 metres either way.
            d = 0.0005
            area = Polygon.from_bbox(
                (data["lon"] - d, data["lat"] - d, data["lon"] + d, data["lat"] + d)
            )
        area.srid = 4326
        reports = reports_for_standards(
            statuses=sorted(OPEN_STATUSES),
            within=area,
            main_slugs=data.get("maincategory_slug"),
            sub_slugs=data.get("category_slug"),
        ).filter(category__isnull=False)[:GEOGRAPHY_LIMIT]
        return Response(
            SignalenFeatureCollectionSerializer(FeatureCollection(features=list(reports))).data
        )


class PrivateSignalListView(SignalenView):
    authentication_classes = [SignalenTokenAuthentication]
    permission_classes = [StaffOrContractor]

    @extend_schema(
        operation_id="signalen_private_signals",
        parameters=[
            OpenApiParameter("status", str, many=True),
            OpenApiParameter("routing_department_code", str, many=True),
            OpenApiParameter("page", int),
            OpenApiParameter("page_size", int),
        ],
        responses={200: SignalenPrivateSignalPageSerializer},
        tags=["signalen"],
    )
    def get(self, request: Request) -> Response:
        # Signalen's filters repeat (?status=m&status=i) or take a comma list.
        query: dict[str, Any] = {}
        for name, values in request.query_params.lists():
            if name in ("status", "routing_department_code"):
                query[name] = [v.strip() for value in values for v in value.split(",") if v.strip()]
            else:
                query[name] = values[-1]
        serializer = SignalenPrivateListInputSerializer(data=query)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        user = cast(User, request.user)
        reports = reports_for_standards(
            statuses=statuses_for_signalen(data["status"]) if data.get("status") else None,
            departments=data.get("routing_department_code"),
            contractor_id=user.contractor_id if not user.is_municipal_staff else None,
        ).select_related("category__parent")
        if data.get("status") and not statuses_for_signalen(data["status"]):
            reports = reports.none()
        page, size = data["page"], data["page_size"]
        count = reports.count()
        results = list(reports[(page - 1) * size : page * size])
        hal = HalPage(links=_hal_links(request, page, size, count), count=count, results=results)
        return Response(SignalenPrivateSignalPageSerializer(hal).data)


def _private_report(request: Request, signal_id: str) -> Report:
    ids = list(report_ids_for_short_ids([signal_id]).values_list("id", flat=True))
    report = report_get(ids[0]) if ids else None
    if report is None:
        try:
            report = report_get(uuid.UUID(signal_id))
        except ValueError:
            report = None
    user = cast(User, request.user)
    if report is None or (
        not user.is_municipal_staff and report.contractor_id != user.contractor_id
    ):
        raise Http404
    return report


class PrivateSignalView(SignalenView):
    authentication_classes = [SignalenTokenAuthentication]
    permission_classes = [StaffOrContractor]

    @extend_schema(
        operation_id="signalen_private_signal",
        responses={200: SignalenPrivateSignalSerializer},
        tags=["signalen"],
    )
    def get(self, request: Request, signal_id: str) -> Response:
        return Response(SignalenPrivateSignalSerializer(_private_report(request, signal_id)).data)

    @extend_schema(
        operation_id="signalen_private_signal_update",
        request=SignalenSignalUpdateInputSerializer,
        responses={200: SignalenPrivateSignalSerializer},
        tags=["signalen"],
    )
    def patch(self, request: Request, signal_id: str) -> Response:
        report = _private_report(request, signal_id)
        serializer = SignalenSignalUpdateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        state = serializer.validated_data["status"]["state"]
        text = serializer.validated_data["status"]["text"]
        if state in SIGNALEN_UNSUPPORTED or state not in SIGNALEN_INBOUND:
            return Response(
                {"status": {"state": [f"State {state!r} has no place in this workflow."]}},
                status=status.HTTP_400_BAD_REQUEST,
            )
        to, resolution = SIGNALEN_INBOUND[state]
        user = cast(User, request.user)
        actor = ActorRef.staff(user) if user.is_municipal_staff else ActorRef.contractor(user)
        report_transition(
            report_id=report.id,
            actor=actor,
            to=to,
            resolution=resolution if to == Status.CLOSED else "",
            public_text=text,
        )
        return Response(SignalenPrivateSignalSerializer(report_get(report.id)).data)


def _report_for_form(token: str) -> Report:
    report = report_by_tracking_token(token)
    if report is None:
        raise Http404
    return report


# The form's token is the report's tracking token: the resident's only key to it.
class FeedbackFormView(SignalenView, TokenLookupView):
    throttle_classes = TokenLookupView.throttle_classes

    @extend_schema(
        operation_id="signalen_feedback_form",
        responses={200: SignalenFeedbackFormSerializer},
        tags=["signalen"],
    )
    def get(self, request: Request, token: str) -> Response:
        return Response(SignalenFeedbackFormSerializer(_report_for_form(token)).data)

    @extend_schema(
        operation_id="signalen_feedback_form_fill",
        request=SignalenFeedbackInputSerializer,
        responses={200: SignalenFeedbackFormSerializer, **GONE},
        tags=["signalen"],
    )
    def put(self, request: Request, token: str) -> Response:
        report = _report_for_form(token)
        serializer = SignalenFeedbackInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        words = [
            data.get("text") or "",
            *(data.get("text_list") or []),
            data.get("text_extra") or "",
        ]
        try:
            feedback_give(
                report_id=report.id,
                satisfied=data["is_satisfied"],
                text="\n".join(w.strip() for w in words if w and w.strip()),
            )
        except ConflictError:
            # Given already for this closing (or the report is not closed): Signalen's form
            # is gone once filled out.
            return Response({"detail": "filled out"}, status=status.HTTP_410_GONE)
        return Response(SignalenFeedbackFormSerializer(report).data)


class StandardAnswersView(SignalenView):
    @extend_schema(
        operation_id="signalen_feedback_standard_answers",
        responses={200: SignalenStandardAnswerSerializer(many=True)},
        tags=["signalen"],
    )
    def get(self, request: Request) -> Response:
        return Response(SignalenStandardAnswerSerializer(STANDARD_ANSWERS, many=True).data)
