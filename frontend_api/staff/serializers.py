from django.contrib.gis.geos import Point
from django.utils.translation import gettext as _
from rest_framework import serializers

from backend.reports.models import Report
from backend.reports.workflow import Resolution, Status
from frontend_api.common.serializers import (
    AddressSerializer,
    CategoryRefSerializer,
    FiniteFloatField,
    JSONTypes,
    LocationSerializer,
    OverdueField,
    PhotoSerializer,
    TimestampField,
)

from .lookups import category_named, contractor_named, department_named


# Reads a Department.
class DepartmentRefSerializer(serializers.Serializer):
    code = serializers.CharField()
    name_nl = serializers.CharField()
    name_en = serializers.CharField()


# Reads the report itself (source="*").
class ReporterSerializer(serializers.Serializer):
    email = serializers.CharField(
        source="reporter_email",
        allow_blank=True,
        allow_null=True,
        help_text="null for a role without the permission to see contact details",
    )
    phone = serializers.CharField(source="reporter_phone", allow_blank=True, allow_null=True)
    allow_contact = serializers.BooleanField()


# Reads a Contractor.
class ContractorRefSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


# Reads a Report.
class StaffReportSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    short_id = serializers.CharField(
        help_text="the human id, for phone calls and mails (M-2026-000123)"
    )
    status = serializers.CharField()
    resolution = serializers.CharField(allow_blank=True)
    category = CategoryRefSerializer(allow_null=True)
    priority = serializers.CharField()
    text = serializers.CharField()
    location = LocationSerializer()
    address = AddressSerializer(allow_null=True, help_text="the nearest known address, if any")
    location_source = serializers.CharField()
    source = serializers.CharField()  # type: ignore[assignment]  # DRF moves it aside
    language = serializers.CharField()
    needs_triage = serializers.BooleanField()
    assignee = DepartmentRefSerializer(
        source="department", allow_null=True, help_text="the department handling it"
    )
    contractor = ContractorRefSerializer(
        allow_null=True, help_text="the external organisation doing the work"
    )
    assigned_manually = serializers.BooleanField()
    deadline = TimestampField(allow_null=True)
    overdue = OverdueField(source="*")
    created_at = TimestampField()
    updated_at = TimestampField()
    closed_at = TimestampField(allow_null=True)


# Reads a StaffReportDetail.
class StaffReportDetailSerializer(StaffReportSerializer):
    reporter = ReporterSerializer(source="*")
    areas = serializers.ListField(child=serializers.CharField(), help_text='"type:code"')
    photos = PhotoSerializer(many=True)
    photos_failed = serializers.IntegerField()
    photos_processing = serializers.IntegerField()
    allowed_transitions = serializers.ListField(child=serializers.CharField())


# Reads a ReportPage.
class StaffReportPageSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    count_is_estimate = serializers.BooleanField(
        help_text=(
            "false: `count` is exact; true: more than 1,000 match and `count` is the "
            "planner's estimate, never below the number counted"
        )
    )
    page_size = serializers.IntegerField()
    next = serializers.CharField(allow_null=True)
    previous = serializers.CharField(allow_null=True)
    results = StaffReportSerializer(many=True)


class ReportUpdateInputSerializer(JSONTypes, serializers.Serializer):
    category = serializers.CharField(required=False)
    priority = serializers.ChoiceField(choices=Report.Priority.choices, required=False)
    lat = FiniteFloatField(min_value=-90, max_value=90, required=False)
    lon = FiniteFloatField(min_value=-180, max_value=180, required=False)
    needs_triage = serializers.BooleanField(required=False)

    def validate_category(self, value):
        return category_named(value)

    def validate(self, attrs):
        if ("lat" in attrs) != ("lon" in attrs):
            raise serializers.ValidationError(
                {"lon" if "lat" in attrs else "lat": [_("Give both lat and lon.")]}
            )
        if not attrs:
            raise serializers.ValidationError(_("Send at least one field to change."))
        if "lat" in attrs:  # report_update() takes the location as a Point
            attrs["location"] = Point(attrs.pop("lon"), attrs.pop("lat"), srid=4326)
        return attrs


class TransitionInputSerializer(JSONTypes, serializers.Serializer):
    to = serializers.ChoiceField(choices=Status.choices)
    resolution = serializers.ChoiceField(choices=Resolution.choices, required=False, default="")
    public_text = serializers.CharField(
        required=False,
        default="",
        allow_blank=True,
        max_length=2000,
        help_text="A message the resident sees with this status change.",
    )


class AssignInputSerializer(JSONTypes, serializers.Serializer):
    department = serializers.CharField(required=False, help_text="department code")
    contractor = serializers.CharField(required=False, help_text="contractor code")

    def validate_department(self, value):
        return department_named(value)

    def validate_contractor(self, value):
        return contractor_named(value)

    def validate(self, attrs):
        if not attrs.get("department") and not attrs.get("contractor"):
            raise serializers.ValidationError(
                {"department": _("Give a department, a contractor or both.")}
            )
        return attrs


class NoteInputSerializer(JSONTypes, serializers.Serializer):
    text = serializers.CharField(max_length=4000)


class NoteSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    text = serializers.CharField()
    author = serializers.CharField(source="author.username")
    created_at = TimestampField()


class StaffEventSerializer(serializers.Serializer):
    seq = serializers.IntegerField()
    type = serializers.CharField()
    is_public = serializers.BooleanField()
    actor_kind = serializers.CharField()
    actor = serializers.CharField(source="actor.username", allow_null=True, default=None)
    public_payload = serializers.DictField()
    internal_payload = serializers.DictField()
    created_at = TimestampField()
