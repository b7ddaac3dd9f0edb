import uuid

from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.pagination import CursorPagination
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.contractors.models import Assignment
from backend.contractors.selectors import (
    assignment_for_contractor,
    assignment_get,
    assignment_list,
)
from backend.contractors.services import (
    assignment_accept,
    assignment_complete,
    assignment_progress,
    assignment_reject,
)
from backend.organisations.models import Contractor
from backend.reports.actors import ActorRef
from frontend_api.common.parsers import JSONParser
from frontend_api.common.serializers import ErrorSerializer

from .permissions import IsContractor
from .representations import AssignmentPage, assignment_detail
from .serializers import (
    AssignmentDetailSerializer,
    AssignmentListQuerySerializer,
    AssignmentPageSerializer,
    CompleteInputSerializer,
    ProgressInputSerializer,
    RejectInputSerializer,
)
from .uploads import photos_inspect

_ERRORS = {
    400: OpenApiResponse(ErrorSerializer, description="Invalid input; `fields` names each field."),
    401: ErrorSerializer,
    403: ErrorSerializer,
    404: OpenApiResponse(ErrorSerializer, description="Unknown, or another organisation's."),
}
_ACTION_ERRORS = {
    **_ERRORS,
    409: OpenApiResponse(ErrorSerializer, description="Withdrawn, finished, or not yet possible."),
}


class _Cursor(CursorPagination):
    ordering = ("-offered_at", "-id")
    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 100


class ContractorView(APIView):
    permission_classes = [IsContractor]

    def contractor(self, request: Request) -> Contractor:
        contractor = getattr(request.user, "contractor", None)
        assert isinstance(contractor, Contractor)  # IsContractor let the request in
        return contractor

    def actor(self, request: Request) -> ActorRef:
        return ActorRef.contractor(request.user)

    def own(self, request: Request, assignment_id: uuid.UUID) -> Assignment:
        assignment = assignment_for_contractor(
            contractor=self.contractor(request), assignment_id=assignment_id
        )
        if assignment is None:
            raise Http404
        return assignment

    def detail(self, assignment_id: uuid.UUID) -> Response:
        assignment = assignment_get(assignment_id)
        assert assignment is not None
        return Response(AssignmentDetailSerializer(assignment_detail(assignment)).data)


class AssignmentListView(ContractorView):
    @extend_schema(
        operation_id="contractor_assignments_list",
        parameters=[AssignmentListQuerySerializer],
        responses={200: AssignmentPageSerializer, **_ERRORS},
        tags=["contractor"],
    )
    def get(self, request: Request) -> Response:
        query = AssignmentListQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        assignments = assignment_list(
            contractor=self.contractor(request),
            states=params.get("state"),
            overdue=params.get("overdue"),
            area=params.get("area"),
        )
        paginator = _Cursor()
        page = paginator.paginate_queryset(assignments, request, view=self) or []
        body = AssignmentPage(
            next=paginator.get_next_link(),
            previous=paginator.get_previous_link(),
            results=page,
        )
        return Response(AssignmentPageSerializer(body).data)


class AssignmentDetailView(ContractorView):
    @extend_schema(
        operation_id="contractor_assignments_retrieve",
        responses={200: AssignmentDetailSerializer, **_ERRORS},
        tags=["contractor"],
    )
    def get(self, request: Request, assignment_id: uuid.UUID) -> Response:
        return Response(
            AssignmentDetailSerializer(assignment_detail(self.own(request, assignment_id))).data
        )


class AssignmentAcceptView(ContractorView):
    @extend_schema(
        operation_id="contractor_assignments_accept",
        request=None,
        responses={200: AssignmentDetailSerializer, **_ACTION_ERRORS},
        tags=["contractor"],
    )
    def post(self, request: Request, assignment_id: uuid.UUID) -> Response:
        self.own(request, assignment_id)
        assignment_accept(
            assignment_id=assignment_id,
            contractor=self.contractor(request),
            actor=self.actor(request),
        )
        return self.detail(assignment_id)


class AssignmentRejectView(ContractorView):
    @extend_schema(
        operation_id="contractor_assignments_reject",
        request=RejectInputSerializer,
        responses={200: AssignmentDetailSerializer, **_ACTION_ERRORS},
        tags=["contractor"],
    )
    def post(self, request: Request, assignment_id: uuid.UUID) -> Response:
        self.own(request, assignment_id)
        serializer = RejectInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        assignment_reject(
            assignment_id=assignment_id,
            contractor=self.contractor(request),
            actor=self.actor(request),
            reason=serializer.validated_data["reason"],
        )
        return self.detail(assignment_id)


class AssignmentProgressView(ContractorView):
    @extend_schema(
        operation_id="contractor_assignments_progress",
        request=ProgressInputSerializer,
        responses={200: AssignmentDetailSerializer, **_ACTION_ERRORS},
        tags=["contractor"],
    )
    def post(self, request: Request, assignment_id: uuid.UUID) -> Response:
        self.own(request, assignment_id)
        serializer = ProgressInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        assignment_progress(
            assignment_id=assignment_id,
            contractor=self.contractor(request),
            actor=self.actor(request),
            **serializer.validated_data,
        )
        return self.detail(assignment_id)


class AssignmentCompleteView(ContractorView):
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    @extend_schema(
        operation_id="contractor_assignments_complete",
        request={
            "multipart/form-data": CompleteInputSerializer,
            "application/json": CompleteInputSerializer,
        },
        responses={200: AssignmentDetailSerializer, **_ACTION_ERRORS},
        tags=["contractor"],
    )
    def post(self, request: Request, assignment_id: uuid.UUID) -> Response:
        self.own(request, assignment_id)
        serializer = CompleteInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        assignment_complete(
            assignment_id=assignment_id,
            contractor=self.contractor(request),
            actor=self.actor(request),
            note=data["note"],
            resolution=data["resolution"],
            photos=photos_inspect(data["photos"]),
        )
        return self.detail(assignment_id)
