"""Open311 GeoReport v2 at /open311/v2/, with mySociety's service request updates.

Thin views: each validates its parameters, calls the services every other front end calls
(intake's report_create, the workflow's transitions, the resident's reply) or a selector, and
answers through an output serializer in the format of the path's suffix."""

import re
import uuid
from datetime import timedelta
from typing import Any, cast

from django.conf import settings
from django.contrib.gis.geos import Point
from django.http import QueryDict
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.common.errors import ConflictError
from backend.geo.selectors import address_geocode, address_get
from backend.reports.actors import ActorRef
from backend.reports.catalogue import public_part
from backend.reports.models import Report
from backend.reports.selectors import report_get
from backend.reports.selectors_standards import report_public_status_events, reports_for_standards
from backend.reports.services import report_create, report_reply, report_transition
from backend.reports.workflow import Status, status_text
from backend.taxonomy.selectors import category_by_path, category_tree

from ..common.report_refs import report_ids_for_short_ids, report_short_id
from ..common.status_table import open311_extended_status, statuses_for_open311
from ..common.throttling import TokenLookupView
from .access import HasOpen311Key, Open311KeyThrottle, SuffixNegotiation, jurisdiction_check
from .codes import path_of_service_code
from .errors import Open311Error, open311_exception_handler
from .renderers import RENDERERS
from .representations import Discovery, Endpoint, RequestUpdate, UpdateCreated
from .serializers import (
    Open311DiscoverySerializer,
    Open311RequestCreatedSerializer,
    Open311RequestCreateInputSerializer,
    Open311RequestListInputSerializer,
    Open311RequestSerializer,
    Open311ServiceDefinitionSerializer,
    Open311ServiceSerializer,
    Open311TokenSerializer,
    Open311UpdateCreatedSerializer,
    Open311UpdateCreateInputSerializer,
    Open311UpdateListInputSerializer,
    Open311UpdateSerializer,
)

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
# When this endpoint last changed in a way clients would notice.
CHANGESET = "2026-12-04T00:00:00Z"
MAX_WINDOW = timedelta(days=90)

JURISDICTION = OpenApiParameter("jurisdiction_id", str, required=False)
# A POST's own refusals, besides the 400 and 404 every call can give; the schema's hook gives
# them the Open311 error list as their body (common/schema.py).
POST_ERRORS = {
    403: OpenApiResponse(description="api_key missing, wrong or revoked."),
}


class Open311View(APIView):
    authentication_classes: list = []
    permission_classes = [HasOpen311Key]
    throttle_classes: list = [Open311KeyThrottle]
    renderer_classes = RENDERERS
    # The spec posts form-encoded; a multipart body (some clients send one) reads the same.
    parser_classes = [FormParser, MultiPartParser]
    content_negotiation_class = SuffixNegotiation
    xml_root = "service_requests"
    xml_item: str | None = "request"

    def get_exception_handler(self):
        return open311_exception_handler

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        jurisdiction_check(request)

    def language(self, request: Request) -> str:
        return "en" if getattr(request, "LANGUAGE_CODE", "nl") == "en" else "nl"


def _window(data: dict[str, Any]) -> tuple[Any, Any]:
    """start_date..end_date, at most 90 days apart; the last 90 days when neither is given."""
    start, end = data.get("start_date"), data.get("end_date")
    if start is None:
        end = end or timezone.now()
        start = end - MAX_WINDOW
    if end is None:
        end = start + MAX_WINDOW
    if end < start:
        raise Open311Error(400, "end_date is before start_date.")
    if end - start > MAX_WINDOW:
        raise Open311Error(400, "start_date and end_date may be at most 90 days apart.")
    return start, end


def _page(items: Any, data: dict[str, Any]) -> list:
    size = data.get("page_size") or settings.OPEN311_PAGE_SIZE
    first = (data["page"] - 1) * size
    return list(items[first : first + size])


def _query(serializer_class: type[serializers.Serializer], request: Request) -> dict[str, Any]:
    serializer = serializer_class(data=request.query_params)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


class DiscoveryView(Open311View):
    xml_root = "discovery"
    xml_item = None

    @extend_schema(
        operation_id="open311_discovery",
        responses={200: Open311DiscoverySerializer},
        tags=["open311"],
    )
    def get(self, request: Request, format: str) -> Response:
        discovery = Discovery(
            changeset=CHANGESET,
            contact=settings.OPEN311_CONTACT,
            key_service=settings.OPEN311_KEY_SERVICE,
            endpoints=[
                Endpoint(
                    specification=SPECIFICATION,
                    url=f"{settings.PUBLIC_BASE_URL}/open311/v2",
                    changeset=CHANGESET,
                    type="production",
                    formats=["text/xml", "application/json"],
                )
            ],
        )
        return Response(Open311DiscoverySerializer(discovery).data)


class ServiceListView(Open311View):
    xml_root = "services"
    xml_item = "service"

    @extend_schema(
        operation_id="open311_services",
        parameters=[JURISDICTION],
        responses={200: Open311ServiceSerializer(many=True)},
        tags=["open311"],
    )
    def get(self, request: Request, format: str) -> Response:
        subs = [sub for main in category_tree() for sub in main.children.all()]
        context = {"language": self.language(request)}
        return Response(Open311ServiceSerializer(subs, many=True, context=context).data)


class ServiceDefinitionView(Open311View):
    xml_root = "service_definition"
    xml_item = None

    @extend_schema(
        operation_id="open311_service_definition",
        parameters=[JURISDICTION],
        responses={200: Open311ServiceDefinitionSerializer},
        tags=["open311"],
    )
    def get(self, request: Request, service_code: str, format: str) -> Response:
        category = category_by_path(path_of_service_code(service_code))
        if category is None:
            raise Open311Error(404, f"service_code {service_code!r} not found.")
        return Response(Open311ServiceDefinitionSerializer(category).data)


def _location(data: dict[str, Any]) -> Point:
    """lat and long, else the point of the loaded address the client names (intake then ties
    the report to the address nearest its point: that one)."""
    if "lat" in data:
        return Point(data["long"], data["lat"], srid=4326)
    if data.get("address_string", "").strip():
        address = address_geocode(data["address_string"])
        if address is None:
            raise Open311Error(400, "address_string: no loaded address matches it.")
        return address.point
    address_id = data.get("address_id", "")
    address = address_get(int(address_id)) if address_id.isdigit() else None
    if address is None:
        raise Open311Error(400, "address_id: no such address.")
    return address.point


ATTRIBUTE = re.compile(r"^attribute\[([\w.-]{1,100})\](?:\[\])?$")
MAX_ATTRIBUTES = 30


def _attributes(request: Request) -> list[tuple[str, str]]:
    """The `attribute[code]` answers a client sent (a multi-value one as `attribute[code][]`),
    as Signalen's extra_properties are kept: in the report's text, so the dispatcher reads all
    the resident said. No category asks questions of its own yet, so none is required."""
    answers = []
    form = cast(QueryDict, request.data)  # this view parses forms alone
    for key in form:
        match = ATTRIBUTE.match(key)
        if match is None:
            if key.startswith("attribute"):
                raise Open311Error(400, f"{key}: an attribute is sent as attribute[code].")
            continue
        values = [v.strip() for v in form.getlist(key) if v.strip()]
        if any(len(v) > 1000 for v in values):
            raise Open311Error(400, f"{key}: at most 1000 characters.")
        if values:
            answers.append((match.group(1), ", ".join(values)))
    if len(answers) > MAX_ATTRIBUTES:
        raise Open311Error(400, f"attribute: at most {MAX_ATTRIBUTES} answers.")
    return answers


class RequestsView(Open311View):
    @extend_schema(
        operation_id="open311_requests",
        parameters=[Open311RequestListInputSerializer],
        responses={200: Open311RequestSerializer(many=True)},
        tags=["open311"],
    )
    def get(self, request: Request, format: str) -> Response:
        data = _query(Open311RequestListInputSerializer, request)
        if data.get("service_request_id", "").strip():
            wanted = [v.strip() for v in data["service_request_id"].split(",") if v.strip()]
            ids = list(report_ids_for_short_ids(wanted).values_list("id", flat=True))
            reports = reports_for_standards(ids=ids)
        else:
            start, end = _window(data)
            codes = [c for c in data.get("service_code", "").split(",") if c.strip()]
            reports = reports_for_standards(
                category_paths=[path_of_service_code(c) for c in codes] or None,
                statuses=statuses_for_open311(data["status"]) if data.get("status") else None,
                created_from=start,
                created_to=end,
            )
        context = {"extended_statuses": data["extended_statuses"]}
        return Response(
            Open311RequestSerializer(_page(reports, data), many=True, context=context).data
        )

    @extend_schema(
        operation_id="open311_request_create",
        request={"application/x-www-form-urlencoded": Open311RequestCreateInputSerializer},
        responses={201: Open311RequestCreatedSerializer(many=True), **POST_ERRORS},
        tags=["open311"],
    )
    def post(self, request: Request, format: str) -> Response:
        serializer = Open311RequestCreateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        category = category_by_path(path_of_service_code(data["service_code"]))
        if category is None:
            raise Open311Error(400, f"service_code {data['service_code']!r} not found.")
        text = data.get("description", "").strip() or category.name_nl
        answers = _attributes(request)
        if answers:
            text = "\n\n".join([text, *(f"{code}: {value}" for code, value in answers)])
        if data.get("media_url"):
            # Never fetched (a server that downloads whatever URL a client names can be made
            # to reach inside the network); the dispatcher sees where the photo is.
            text = f"{text}\n\nmedia_url: {data['media_url']}"
        result = report_create(
            text=text,
            location=_location(data),
            category=category,
            source=Report.Source.OPEN311,
            email=data.get("email", ""),
            phone=data.get("phone", ""),
            language_hint=request.LANGUAGE_CODE if "Accept-Language" in request.headers else None,
        )
        context = {"account_id": data.get("account_id", "")}
        return Response(
            Open311RequestCreatedSerializer([result.report], many=True, context=context).data,
            status=status.HTTP_201_CREATED,
        )


class RequestDetailView(Open311View):
    @extend_schema(
        operation_id="open311_request",
        parameters=[JURISDICTION],
        responses={200: Open311RequestSerializer(many=True)},
        tags=["open311"],
    )
    def get(self, request: Request, service_request_id: str, format: str) -> Response:
        ids = list(report_ids_for_short_ids([service_request_id]).values_list("id", flat=True))
        reports = list(reports_for_standards(ids=ids)) if ids else []
        if not reports:
            raise Open311Error(404, f"service_request_id {service_request_id!r} not found.")
        extended = request.query_params.get("extended_statuses", "") in ("true", "1")
        context = {"extended_statuses": extended}
        return Response(Open311RequestSerializer(reports, many=True, context=context).data)


class TokenView(Open311View, TokenLookupView):
    throttle_classes = TokenLookupView.throttle_classes

    @extend_schema(
        operation_id="open311_token",
        parameters=[JURISDICTION],
        responses={200: Open311TokenSerializer(many=True)},
        tags=["open311"],
    )
    def get(self, request: Request, token: str, format: str) -> Response:
        try:
            report_id = uuid.UUID(token)
        except ValueError:
            report_id = None
        report = report_get(report_id) if report_id else None
        if report is None:
            raise Open311Error(404, "token not found.")
        return Response(Open311TokenSerializer([report], many=True).data)


class UpdatesView(Open311View):
    xml_root = "service_request_updates"
    xml_item = "request_update"

    @extend_schema(
        operation_id="open311_updates",
        parameters=[Open311UpdateListInputSerializer],
        responses={200: Open311UpdateSerializer(many=True)},
        tags=["open311"],
    )
    def get(self, request: Request, format: str) -> Response:
        data = _query(Open311UpdateListInputSerializer, request)
        start, end = _window(data)
        updates = []
        for event in _page(report_public_status_events(created_from=start, created_to=end), data):
            part = public_part(event)
            short_id = report_short_id(event.report)
            updates.append(
                RequestUpdate(
                    update_id=f"{short_id}-{event.seq}",
                    service_request_id=short_id,
                    status=open311_extended_status(part.status, part.resolution),
                    updated_datetime=event.created_at,
                    description=part.text
                    or status_text(part.status, event.report.language, part.resolution or None),
                )
            )
        return Response(Open311UpdateSerializer(updates, many=True).data)

    @extend_schema(
        operation_id="open311_update_create",
        request={"application/x-www-form-urlencoded": Open311UpdateCreateInputSerializer},
        responses={201: Open311UpdateCreatedSerializer(many=True), **POST_ERRORS},
        tags=["open311"],
    )
    def post(self, request: Request, format: str) -> Response:
        serializer = Open311UpdateCreateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        found = list(report_ids_for_short_ids([data["service_request_id"]]).values_list("id"))
        if not found:
            raise Open311Error(404, f"service_request_id {data['service_request_id']!r} not found.")
        report_id = found[0][0]
        report = report_get(report_id)
        assert report is not None
        # A resident's update may ask to reopen a closed report or answer a question; the
        # workflow has no other move a resident may make.
        if report.status == Status.INFO_REQUESTED:
            report = report_reply(report_id=report_id, text=data["description"])
        elif report.status == Status.CLOSED and data["status"] in ("OPEN", "REOPEN"):
            report = report_transition(
                report_id=report_id,
                actor=ActorRef.resident(),
                to=Status.REOPEN_REQUESTED,
                public_text=data["description"],
            )
        else:
            raise ConflictError(
                f"service_request_id {data['service_request_id']!r} takes no update with "
                f"status {data['status']} now."
            )
        created = UpdateCreated(update_id=f"{report_short_id(report)}-{report.last_event_seq}")
        return Response(Open311UpdateCreatedSerializer([created], many=True).data, status=201)


class NotFoundView(Open311View):
    permission_classes: list = [HasOpen311Key]

    @extend_schema(exclude=True)
    def get(self, request: Request, rest: str = "", format: str | None = None) -> Response:
        raise Open311Error(404, "No such Open311 resource.")

    @extend_schema(exclude=True)
    def post(self, request: Request, rest: str = "", format: str | None = None) -> Response:
        raise Open311Error(404, "No such Open311 resource.")
