from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response

from backend.reports.models import WorkQueue
from backend.reports.search import reports_count, reports_filtered
from backend.reports.selectors import work_queues_for
from backend.reports.services import work_queue_create, work_queue_delete, work_queue_update
from frontend_api.common.permissions import IsStaffMember
from frontend_api.common.serializers import ErrorSerializer, JSONTypes, TimestampField

from .filters import filters_from_query
from .lookups import department_named
from .representations import QueueWithCount
from .views import StaffView, scope_of

_ERRORS = {
    400: OpenApiResponse(ErrorSerializer, description="Invalid input; `fields` names each field."),
    401: ErrorSerializer,
    403: ErrorSerializer,
    404: ErrorSerializer,
}


class QueueInputSerializer(JSONTypes, serializers.Serializer):
    name = serializers.CharField(max_length=100)
    filters = serializers.DictField(
        child=serializers.CharField(allow_blank=False),
        required=False,
        default=dict,
        help_text="the list's query parameters (as in GET /staff/reports/), validated as there",
    )
    shared_with = serializers.CharField(
        required=False, allow_null=True, help_text="a department code: its staff see the queue"
    )
    position = serializers.IntegerField(required=False, min_value=0, max_value=1000)

    def validate_filters(self, value):
        for name in ("cursor", "ordering", "page_size"):
            if name in value:
                raise serializers.ValidationError({name: [_("Unknown parameter.")]})
        try:
            filters_from_query(value)
        except serializers.ValidationError as exc:
            raise serializers.ValidationError(exc.detail) from None
        return value

    def validate_shared_with(self, value):
        if value is None:
            return None
        department = department_named(value)
        user = self.context["user"]
        scope = user.report_department_scope
        if scope is not None and department.pk != scope:
            raise serializers.ValidationError(_("You can share only with your own department."))
        return department


class QueueUpdateSerializer(QueueInputSerializer):
    name = serializers.CharField(max_length=100, required=False)
    filters = serializers.DictField(child=serializers.CharField(allow_blank=False), required=False)


# Reads a QueueWithCount.
class QueueSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    filters = serializers.DictField(child=serializers.CharField())
    shared_with = serializers.CharField(
        source="shared_with.code", allow_null=True, default=None, help_text="department code"
    )
    owner = serializers.CharField(source="owner.username")
    mine = serializers.BooleanField(help_text="false: shared with you by your department")
    position = serializers.IntegerField()
    count = serializers.IntegerField(
        allow_null=True, help_text="null: the saved filter is no longer valid"
    )
    count_is_estimate = serializers.BooleanField()
    created_at = TimestampField()
    updated_at = TimestampField()


def _with_count(request: Request, queue: WorkQueue) -> QueueWithCount:
    mine = queue.owner_id == request.user.pk
    try:
        filters = filters_from_query(queue.filters)
    except serializers.ValidationError:
        return QueueWithCount(queue=queue, count=None, count_is_estimate=False, mine=mine)
    count = reports_count(reports_filtered(filters, scope=scope_of(request)))
    return QueueWithCount(
        queue=queue,
        count=count.value,
        count_is_estimate=count.estimate,
        mine=mine,
    )


def _queue_or_404(request: Request, queue_id: int) -> WorkQueue:
    queue = work_queues_for(request.user).filter(pk=queue_id).first()
    if queue is None:
        raise Http404
    return queue


def _own_queue_or_404(request: Request, queue_id: int) -> WorkQueue:
    queue = _queue_or_404(request, queue_id)
    if queue.owner_id != request.user.pk:
        # Shared with you to read; only its owner changes it.
        raise Http404
    return queue


class QueueView(StaffView):
    # Saving one's own filters changes no report: the read-only role may too.
    permission_classes = [IsStaffMember]
    # JSON only: a form's empty field would arrive as null, which the schema does not allow.
    parser_classes = [JSONParser]


class QueueListView(QueueView):
    @extend_schema(
        operation_id="staff_queues_list",
        responses={200: QueueSerializer(many=True), **_ERRORS},
        tags=["staff"],
    )
    def get(self, request: Request) -> Response:
        """Your work queues and those shared with your department, each with its count."""
        queues = [_with_count(request, queue) for queue in work_queues_for(request.user)]
        return Response(QueueSerializer(queues, many=True).data)

    @extend_schema(
        operation_id="staff_queues_create",
        request=QueueInputSerializer,
        responses={201: QueueSerializer, **_ERRORS},
        tags=["staff"],
    )
    def post(self, request: Request) -> Response:
        serializer = QueueInputSerializer(data=request.data, context={"user": request.user})
        serializer.is_valid(raise_exception=True)
        queue = work_queue_create(owner=request.user, **serializer.validated_data)
        return Response(
            QueueSerializer(_with_count(request, queue)).data, status=status.HTTP_201_CREATED
        )


class QueueDetailView(QueueView):
    @extend_schema(
        operation_id="staff_queues_retrieve",
        responses={200: QueueSerializer, **_ERRORS},
        tags=["staff"],
    )
    def get(self, request: Request, queue_id: int) -> Response:
        return Response(
            QueueSerializer(_with_count(request, _queue_or_404(request, queue_id))).data
        )

    @extend_schema(
        operation_id="staff_queues_update",
        request=QueueUpdateSerializer,
        responses={200: QueueSerializer, **_ERRORS},
        tags=["staff"],
    )
    def patch(self, request: Request, queue_id: int) -> Response:
        queue = _own_queue_or_404(request, queue_id)
        serializer = QueueUpdateSerializer(data=request.data, context={"user": request.user})
        serializer.is_valid(raise_exception=True)
        queue = work_queue_update(queue=queue, **serializer.validated_data)
        return Response(QueueSerializer(_with_count(request, queue)).data)

    @extend_schema(
        operation_id="staff_queues_delete",
        responses={204: None, **_ERRORS},
        tags=["staff"],
    )
    def delete(self, request: Request, queue_id: int) -> Response:
        work_queue_delete(queue=_own_queue_or_404(request, queue_id))
        return Response(status=status.HTTP_204_NO_CONTENT)
