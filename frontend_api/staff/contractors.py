"""Dispatchers and contractors' work: a report's assignments, withdrawal, the webhook log."""

import uuid
from typing import Any

from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from backend.contractors.models import Assignment, WebhookMessage
from backend.contractors.selectors import (
    assignment_get,
    assignments_of_report,
    webhook_message_get,
    webhook_messages,
)
from backend.contractors.services import assignment_withdraw
from backend.contractors.webhooks import webhook_message_redeliver
from frontend_api.common.serializers import ErrorSerializer, KnownParameters, TimestampField

from .views import StaffView, WideStaffView, report_or_404

_ERRORS = {401: ErrorSerializer, 403: ErrorSerializer, 404: ErrorSerializer}


class StaffAssignmentSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    report = serializers.UUIDField(source="report_id")
    contractor = serializers.CharField(source="contractor.code")
    state = serializers.CharField()
    offered_at = TimestampField()
    accepted_at = TimestampField(allow_null=True)
    finished_at = TimestampField(allow_null=True)
    scheduled_for = TimestampField(allow_null=True)
    reject_reason = serializers.CharField(allow_blank=True)
    withdraw_reason = serializers.CharField(allow_blank=True)
    progress_note = serializers.CharField(allow_blank=True)
    completion_note = serializers.CharField(allow_blank=True)
    resolution = serializers.CharField(allow_blank=True)


class WebhookAttemptSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    started_at = TimestampField()
    duration_ms = serializers.IntegerField()
    status_code = serializers.IntegerField(allow_null=True)
    ok = serializers.BooleanField()
    error = serializers.CharField(allow_blank=True)
    response_excerpt = serializers.CharField(allow_blank=True)
    next_attempt_at = TimestampField(allow_null=True)


class WebhookMessageSerializer(serializers.Serializer):
    id = serializers.UUIDField(help_text="the event id the receiver sees")
    contractor = serializers.CharField(source="contractor.code")
    type = serializers.CharField()
    report = serializers.UUIDField(source="report_id", allow_null=True)
    assignment = serializers.UUIDField(source="assignment_id", allow_null=True)
    state = serializers.CharField()
    attempts = serializers.IntegerField()
    next_attempt_at = TimestampField(allow_null=True)
    give_up_at = TimestampField()
    last_error = serializers.CharField(allow_blank=True)
    created_at = TimestampField()
    delivered_at = TimestampField(allow_null=True)
    payload = serializers.DictField()
    log = WebhookAttemptSerializer(many=True)


class WebhookQuerySerializer(KnownParameters, serializers.Serializer):
    contractor = serializers.CharField(required=False)
    state = serializers.ChoiceField(choices=WebhookMessage.State.choices, required=False)
    report = serializers.UUIDField(required=False)
    limit = serializers.IntegerField(required=False, min_value=1, max_value=200, default=50)


def _assignment_or_404(assignment_id: uuid.UUID) -> Assignment:
    assignment = assignment_get(assignment_id)
    if assignment is None:
        raise Http404
    return assignment


class ReportAssignmentsView(StaffView):
    @extend_schema(
        operation_id="staff_reports_assignments",
        responses={200: StaffAssignmentSerializer(many=True), **_ERRORS},
        tags=["staff"],
    )
    def get(self, request: Request, report_id: uuid.UUID) -> Response:
        report = report_or_404(request, report_id)
        return Response(StaffAssignmentSerializer(assignments_of_report(report), many=True).data)


class AssignmentWithdrawView(WideStaffView):
    @extend_schema(
        operation_id="staff_assignments_withdraw",
        request=None,
        responses={
            200: StaffAssignmentSerializer,
            **_ERRORS,
            409: OpenApiResponse(ErrorSerializer, description="Already finished or withdrawn."),
        },
        tags=["staff"],
    )
    def post(self, request: Request, assignment_id: uuid.UUID) -> Response:
        _assignment_or_404(assignment_id)
        assignment_withdraw(assignment_id=assignment_id, actor=self.actor(request))
        return Response(StaffAssignmentSerializer(_assignment_or_404(assignment_id)).data)


class WebhookMessagesView(WideStaffView):
    @extend_schema(
        operation_id="staff_webhook_deliveries",
        parameters=[WebhookQuerySerializer],
        responses={200: WebhookMessageSerializer(many=True), **_ERRORS},
        tags=["staff"],
    )
    def get(self, request: Request) -> Response:
        query = WebhookQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params: dict[str, Any] = query.validated_data
        messages = webhook_messages(
            contractor=params.get("contractor"),
            state=params.get("state"),
            report_id=params.get("report"),
        )[: params["limit"]]
        return Response(WebhookMessageSerializer(messages, many=True).data)


class WebhookRedeliverView(WideStaffView):
    @extend_schema(
        operation_id="staff_webhook_redeliver",
        request=None,
        responses={202: WebhookMessageSerializer, **_ERRORS},
        tags=["staff"],
    )
    def post(self, request: Request, message_id: uuid.UUID) -> Response:
        if webhook_message_get(message_id) is None:
            raise Http404
        webhook_message_redeliver(message_id=message_id)
        return Response(WebhookMessageSerializer(webhook_message_get(message_id)).data, status=202)
