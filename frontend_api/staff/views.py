import uuid
from typing import cast

from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.accounts.models import User
from backend.reports.actors import ActorRef
from backend.reports.models import Report
from backend.reports.search import ReportScope, reports_count, reports_filtered, reports_page
from backend.reports.selectors import report_events, report_get, report_list_related, report_notes
from backend.reports.services import (
    report_assign,
    report_note_add,
    report_transition,
    report_update,
)
from frontend_api.common.permissions import IsStaffReader, IsWideStaff
from frontend_api.common.serializers import ErrorSerializer

from .filters import ReportListQuerySerializer, cursor_write, report_filters
from .representations import ReportPage, staff_report_detail
from .serializers import (
    AssignInputSerializer,
    NoteInputSerializer,
    NoteSerializer,
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


def staff_user(request: Request) -> User:
    # The permission classes let only staff users in.
    return cast(User, request.user)


def scope_of(request: Request) -> ReportScope:
    """The reports this user may see: all of them, or their department's."""
    return ReportScope(department_id=staff_user(request).report_department_scope)


def _detail(request: Request, report_id: uuid.UUID) -> Response:
    report = report_or_404(request, report_id)
    body = staff_report_detail(report, contact=staff_user(request).sees_contact_details)
    return Response(StaffReportDetailSerializer(body).data)


def report_or_404(request: Request, report_id: uuid.UUID) -> Report:
    """The report, if this user may see it: one outside their department is not found, as
    one that does not exist."""
    report = report_get(report_id)
    scope = scope_of(request)
    if report is None or (
        scope.department_id is not None and report.department_id != scope.department_id
    ):
        raise Http404
    return report


class StaffView(APIView):
    # Every staff role reads (department staff their department's reports); the read-only
    # role changes nothing.
    permission_classes = [IsStaffReader]

    def actor(self, request: Request) -> ActorRef:
        return ActorRef.staff(request.user)


class WideStaffView(StaffView):
    # Not for department staff: what reaches past one report of their department.
    permission_classes = [IsWideStaff]


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
        matching = reports_filtered(report_filters(params), scope=scope_of(request))
        ordering, size = params["ordering"], params["page_size"]
        page = reports_page(
            report_list_related(matching),
            ordering=ordering,
            size=size,
            position=params.get("cursor"),
        )
        count = reports_count(matching)

        def link(index: int, backwards: bool) -> str:
            q = request.query_params.copy()
            q["cursor"] = cursor_write(
                ordering=ordering,
                value=page.keys[index],
                report_id=page.results[index].pk,
                backwards=backwards,
            )
            return request.build_absolute_uri(f"{request.path}?{q.urlencode()}")

        has_rows = bool(page.results)
        body = ReportPage(
            count=count.value,
            count_is_estimate=count.estimate,
            page_size=size,
            next=link(-1, False) if page.more_after and has_rows else None,
            previous=link(0, True) if page.more_before and has_rows else None,
            results=page.results,
        )
        return Response(StaffReportPageSerializer(body).data)


class ReportDetailView(StaffView):
    @extend_schema(
        operation_id="staff_reports_retrieve",
        responses={200: StaffReportDetailSerializer, **_ERRORS},
        tags=["staff"],
    )
    def get(self, request: Request, report_id: uuid.UUID) -> Response:
        return _detail(request, report_id)

    @extend_schema(
        operation_id="staff_reports_update",
        request=ReportUpdateInputSerializer,
        responses={200: StaffReportDetailSerializer, **_ERRORS},
        tags=["staff"],
    )
    def patch(self, request: Request, report_id: uuid.UUID) -> Response:
        report_or_404(request, report_id)
        serializer = ReportUpdateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        report_update(report_id=report_id, actor=self.actor(request), **serializer.validated_data)
        return _detail(request, report_id)


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
        report_or_404(request, report_id)
        serializer = TransitionInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        report_transition(
            report_id=report_id, actor=self.actor(request), **serializer.validated_data
        )
        return _detail(request, report_id)


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
        report_or_404(request, report_id)
        serializer = AssignInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        report_assign(report_id=report_id, actor=self.actor(request), **serializer.validated_data)
        return _detail(request, report_id)


class ReportNotesView(StaffView):
    @extend_schema(
        operation_id="staff_reports_notes_list",
        responses={200: NoteSerializer(many=True), **_ERRORS},
        tags=["staff"],
    )
    def get(self, request: Request, report_id: uuid.UUID) -> Response:
        report = report_or_404(request, report_id)
        return Response(NoteSerializer(report_notes(report), many=True).data)

    @extend_schema(
        operation_id="staff_reports_notes_create",
        request=NoteInputSerializer,
        responses={201: NoteSerializer, **_ERRORS},
        tags=["staff"],
    )
    def post(self, request: Request, report_id: uuid.UUID) -> Response:
        report_or_404(request, report_id)
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
        report = report_or_404(request, report_id)
        return Response(StaffEventSerializer(report_events(report), many=True).data)
