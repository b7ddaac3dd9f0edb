from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import serializers

from backend.contractors.models import Assignment
from backend.reports.workflow import Resolution
from frontend_api.common.serializers import (
    AddressSerializer,
    JSONTypes,
    KnownParameters,
    LocationSerializer,
    OverdueField,
    PhotoSerializer,
    TimestampField,
)


class AssignmentListQuerySerializer(KnownParameters, serializers.Serializer):
    state = serializers.CharField(required=False, help_text="one state, or several comma-separated")
    overdue = serializers.BooleanField(
        required=False,
        allow_null=True,
        default=None,
        help_text="open assignments past the report's deadline (false: all others)",
    )
    area = serializers.CharField(
        required=False, max_length=120, help_text='"type:code" (e.g. "district:centrum") or code'
    )
    cursor = serializers.CharField(required=False)
    page_size = serializers.IntegerField(required=False, min_value=1, max_value=100, default=25)

    def validate_state(self, value: str) -> list[str]:
        states = [part.strip() for part in value.split(",") if part.strip()]
        unknown = [s for s in states if s not in Assignment.State.values]
        if unknown:
            raise serializers.ValidationError(
                _("Unknown state: %(values)s.") % {"values": ", ".join(unknown)}
            )
        return states


# Reads a Category.
class ContractorCategorySerializer(serializers.Serializer):
    slug = serializers.CharField(source="path")
    name_nl = serializers.CharField()
    name_en = serializers.CharField()


# Reads a Report. Its fields are what a contractor may see of a report: the resident's e-mail
# and phone are never among them.
class ContractorReportSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    short_id = serializers.CharField(
        help_text="the human id, for phone calls and mails (M-2026-000123)"
    )
    text = serializers.CharField()
    category = ContractorCategorySerializer(allow_null=True)
    # The report's live state: null once the work is no longer the organisation's (see
    # AssignmentSummarySerializer).
    priority = serializers.CharField(allow_null=True)
    status = serializers.CharField(allow_null=True)
    location = LocationSerializer()
    address = AddressSerializer(allow_null=True, help_text="the nearest known address, if any")
    deadline = TimestampField(allow_null=True)
    overdue = OverdueField(source="*", allow_null=True)
    created_at = TimestampField()


# What an organisation no longer sees of a report whose work was withdrawn from it or that it
# rejected: how the report goes on is none of its business any more.
_LIVE_REPORT_FIELDS = ("priority", "status", "deadline", "overdue")
_NOT_THEIRS = (Assignment.State.WITHDRAWN, Assignment.State.REJECTED)


# Reads an Assignment.
class AssignmentSummarySerializer(serializers.Serializer):
    id = serializers.UUIDField()
    state = serializers.CharField()
    offered_at = TimestampField()
    accepted_at = TimestampField(allow_null=True)
    finished_at = TimestampField(allow_null=True)
    scheduled_for = TimestampField(allow_null=True)
    report = ContractorReportSerializer()

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if instance.state in _NOT_THEIRS:
            data["report"].update(dict.fromkeys(_LIVE_REPORT_FIELDS))
        return data


# Reads an AssignmentDetail.
class AssignmentDetailSerializer(AssignmentSummarySerializer):
    photos = PhotoSerializer(many=True, help_text="the report's processed photos")
    after_photos = PhotoSerializer(many=True, help_text="the contractor's own photos")
    after_photos_processing = serializers.IntegerField()
    reject_reason = serializers.CharField(allow_blank=True)
    progress_note = serializers.CharField(allow_blank=True)
    completion_note = serializers.CharField(allow_blank=True)
    resolution = serializers.CharField(allow_blank=True)
    withdraw_reason = serializers.CharField(allow_blank=True)


# Reads an AssignmentPage.
class AssignmentPageSerializer(serializers.Serializer):
    next = serializers.CharField(allow_null=True)
    previous = serializers.CharField(allow_null=True)
    results = AssignmentSummarySerializer(many=True)


class RejectInputSerializer(JSONTypes, serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class ProgressInputSerializer(JSONTypes, serializers.Serializer):
    note = serializers.CharField(max_length=4000)
    scheduled_for = TimestampField(required=False, allow_null=True, default=None)


class CompleteInputSerializer(JSONTypes, serializers.Serializer):
    note = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")
    resolution = serializers.ChoiceField(choices=Resolution.choices, default=Resolution.FIXED)
    photos = serializers.ListField(
        child=serializers.FileField(allow_empty_file=False),
        required=False,
        default=list,
        max_length=settings.PHOTO_MAX_COUNT,
        help_text="0 to 5 photos of the finished work (JPEG, PNG, WebP, HEIC); multipart only.",
    )
