import uuid

from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.reports.actors import ActorRef
from backend.reports.models import Report
from backend.reports.selectors import report_events, report_get, report_list, report_notes
from backend.reports.services import (
    report_assign,
    report_note_add,
    report_transition,
    report_update,
)
from frontend_api.common.permissions import IsMunicipalStaff
from frontend_api.common.serializers import ErrorSerializer

from .representations import ReportPage, staff_report_detail
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


def _detail(report_id: uuid.UUID) -> Response:
    report = _report_or_404(report_id)
    return Response(StaffReportDetailSerializer(staff_report_detail(report)).data)


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

        body = ReportPage(
            count=count,
            page=page,
            page_size=size,
            next=link(page + 1) if page * size < count else None,
            previous=link(page - 1) if page > 1 else None,
            results=items,
        )
        return Response(StaffReportPageSerializer(body).data)


class ReportDetailView(StaffView):
    @extend_schema(
        operation_id="staff_reports_retrieve",
        responses={200: StaffReportDetailSerializer, **_ERRORS},
        tags=["staff"],
    )
    def get(self, request: Request, report_id: uuid.UUID) -> Response:
        return _detail(report_id)

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
        report_update(report_id=report_id, actor=self.actor(request), **serializer.validated_data)
        return _detail(report_id)


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
        return _detail(report_id)


class ReportAssignView(StaffView):
    @extend_schema(
        operation_id="staff_reports_assign",
        request=AssignInputSerializer,
        responses={
            200: StaffReportDetailSerializer,
            **_ERRORS,
            409: OpenApiResponse(ErrorSerializer, description="The report is closed or cancelled."),
        },
        tags=["staff"],
    )
    def post(self, request: Request, report_id: uuid.UUID) -> Response:
        _report_or_404(report_id)
        serializer = AssignInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        report_assign(report_id=report_id, actor=self.actor(request), **serializer.validated_data)
        return _detail(report_id)


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
