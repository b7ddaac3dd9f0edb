import uuid
from typing import Any

from django.contrib.gis.geos import Point
from django.http import Http404
from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.reports.actors import ActorRef
from backend.reports.models import Attachment, Report
from backend.reports.selectors import (
    report_area_labels,
    report_events,
    report_get,
    report_list,
    report_notes,
    report_photo_counts,
    report_ready_photos,
)
from backend.reports.services import (
    report_assign,
    report_note_add,
    report_transition,
    report_update,
)
from backend.reports.workflow import Actor, allowed_targets
from frontend_api.common.permissions import IsMunicipalStaff
from frontend_api.common.representations import category_ref, photo_ref
from frontend_api.common.serializers import ErrorSerializer

from .serializers import (
    AssignInputSerializer,
    NoteInputSerializer,
    NoteSerializer,
    ReportListQuerySerializer,
    ReportUpdateInputSerializer,
    StaffEventSerializer,
    StaffReportDetailSerializer,
    StaffReportPageSerializer,
    TransitionInputSerializer,
)

_ERRORS = {
    400: OpenApiResponse(ErrorSerializer, description="Invalid input; `fields` names each field."),
    401: ErrorSerializer,
    403: ErrorSerializer,
    404: ErrorSerializer,
}


def _summary(report: Report) -> dict[str, Any]:
    department = report.department
    return {
        "id": report.id,
        "status": report.status,
        "resolution": report.resolution,
        "category": category_ref(report.category),
        "priority": report.priority,
        "text": report.text,
        "location": {"lat": report.location.y, "lon": report.location.x},
        "location_source": report.location_source,
        "source": report.source,
        "language": report.language,
        "needs_triage": report.needs_triage,
        "assignee": (
            {"code": department.code, "name_nl": department.name_nl, "name_en": department.name_en}
            if department
            else None
        ),
        "contractor": (
            {"code": report.contractor.code, "name": report.contractor.name}
            if report.contractor
            else None
        ),
        "assigned_manually": report.assigned_manually,
        "deadline": report.deadline,
        "overdue": bool(
            report.deadline and report.closed_at is None and report.deadline < timezone.now()
        ),
        "created_at": report.created_at,
        "updated_at": report.updated_at,
        "closed_at": report.closed_at,
    }


def _detail(report: Report) -> dict[str, Any]:
    photos = report_photo_counts(report)
    return {
        **_summary(report),
        "reporter": {
            "email": report.reporter_email,
            "phone": report.reporter_phone,
            "allow_contact": report.allow_contact,
        },
        "areas": report_area_labels(report),
        "photos": [photo_ref(photo) for photo in report_ready_photos(report)],
        "photos_failed": photos[Attachment.State.FAILED],
        "photos_processing": photos[Attachment.State.PENDING],
        "allowed_transitions": allowed_targets(report.status, Actor.STAFF),
    }


def _report_or_404(report_id: uuid.UUID) -> Report:
    report = report_get(report_id)
    if report is None:
        raise Http404
    return report


class StaffView(APIView):
    permission_classes = [IsMunicipalStaff]

    def actor(self, request: Request) -> ActorRef:
        return ActorRef.staff(request.user)


class ReportListView(StaffView):
    @extend_schema(
        operation_id="staff_reports_list",
        parameters=[ReportListQuerySerializer],
        responses={200: StaffReportPageSerializer, **_ERRORS},
        tags=["staff"],
    )
    def get(self, request: Request) -> Response:
        query = ReportListQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        reports = report_list(
            status=params.get("status"),
            category=params.get("category"),
            department=params.get("department"),
            needs_triage=params.get("needs_triage"),
        )
        page, size = params["page"], params["page_size"]
        count = reports.count()
        items = list(reports[(page - 1) * size : page * size])

        def link(number: int) -> str:
            q = request.query_params.copy()
            q["page"] = str(number)
            return request.build_absolute_uri(f"{request.path}?{q.urlencode()}")

        body = {
            "count": count,
            "page": page,
            "page_size": size,
            "next": link(page + 1) if page * size < count else None,
            "previous": link(page - 1) if page > 1 else None,
            "results": [_summary(report) for report in items],
        }
        return Response(StaffReportPageSerializer(body).data)


class ReportDetailView(StaffView):
    @extend_schema(
        operation_id="staff_reports_retrieve",
        responses={200: StaffReportDetailSerializer, **_ERRORS},
        tags=["staff"],
    )
    def get(self, request: Request, report_id: uuid.UUID) -> Response:
        return Response(StaffReportDetailSerializer(_detail(_report_or_404(report_id))).data)

    @extend_schema(
        operation_id="staff_reports_update",
        request=ReportUpdateInputSerializer,
        responses={200: StaffReportDetailSerializer, **_ERRORS},
        tags=["staff"],
    )
    def patch(self, request: Request, report_id: uuid.UUID) -> Response:
        _report_or_404(report_id)
        serializer = ReportUpdateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        if "lat" in data:
            data["location"] = Point(data.pop("lon"), data.pop("lat"), srid=4326)
        report_update(report_id=report_id, actor=self.actor(request), **data)
        return Response(StaffReportDetailSerializer(_detail(_report_or_404(report_id))).data)


class ReportTransitionView(StaffView):
    @extend_schema(
        operation_id="staff_reports_transition",
        request=TransitionInputSerializer,
        responses={
            200: StaffReportDetailSerializer,
            **_ERRORS,
            409: OpenApiResponse(ErrorSerializer, description="Not allowed; lists `allowed`."),
        },
        tags=["staff"],
    )
    def post(self, request: Request, report_id: uuid.UUID) -> Response:
        _report_or_404(report_id)
        serializer = TransitionInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        report_transition(
            report_id=report_id, actor=self.actor(request), **serializer.validated_data
        )
        return Response(StaffReportDetailSerializer(_detail(_report_or_404(report_id))).data)


class ReportAssignView(StaffView):
    @extend_schema(
        operation_id="staff_reports_assign",
        request=AssignInputSerializer,
        responses={200: StaffReportDetailSerializer, **_ERRORS, 409: ErrorSerializer},
        tags=["staff"],
    )
    def post(self, request: Request, report_id: uuid.UUID) -> Response:
        _report_or_404(report_id)
        serializer = AssignInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        report_assign(report_id=report_id, actor=self.actor(request), **serializer.validated_data)
        return Response(StaffReportDetailSerializer(_detail(_report_or_404(report_id))).data)


class ReportNotesView(StaffView):
    @extend_schema(
        operation_id="staff_reports_notes_list",
        responses={200: NoteSerializer(many=True), **_ERRORS},
        tags=["staff"],
    )
    def get(self, request: Request, report_id: uuid.UUID) -> Response:
        report = _report_or_404(report_id)
        return Response(NoteSerializer(report_notes(report), many=True).data)

    @extend_schema(
        operation_id="staff_reports_notes_create",
        request=NoteInputSerializer,
        responses={201: NoteSerializer, **_ERRORS},
        tags=["staff"],
    )
    def post(self, request: Request, report_id: uuid.UUID) -> Response:
        _report_or_404(report_id)
        serializer = NoteInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        note = report_note_add(
            report_id=report_id, author=request.user, text=serializer.validated_data["text"]
        )
        return Response(NoteSerializer(note).data, status=status.HTTP_201_CREATED)


class ReportEventsView(StaffView):
    @extend_schema(
        operation_id="staff_reports_events",
        responses={200: StaffEventSerializer(many=True), **_ERRORS},
        tags=["staff"],
    )
    def get(self, request: Request, report_id: uuid.UUID) -> Response:
        report = _report_or_404(report_id)
        return Response(StaffEventSerializer(report_events(report), many=True).data)
