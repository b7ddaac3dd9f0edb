"""Open311 GeoReport v2's fields, named as the spec names them. (No docstrings on serializers:
drf-spectacular publishes them.)"""

from typing import Any

from django.conf import settings
from rest_framework import serializers

from backend.reports import storage
from backend.reports.models import Report
from backend.reports.workflow import status_text
from backend.taxonomy.models import Category

from ..common.report_refs import report_address_text, report_short_id
from ..common.serializers import TimestampField
from ..common.status_table import OPEN311_EXTENDED, open311_extended_status, open311_status
from .codes import service_code_of


class Open311EndpointSerializer(serializers.Serializer):
    specification = serializers.CharField()
    url = serializers.CharField()
    changeset = serializers.CharField()
    type = serializers.CharField()
    formats = serializers.ListField(child=serializers.CharField())


class Open311DiscoverySerializer(serializers.Serializer):
    changeset = serializers.CharField()
    contact = serializers.CharField()
    key_service = serializers.CharField()
    endpoints = Open311EndpointSerializer(many=True)


class Open311ServiceSerializer(serializers.Serializer):
    service_code = serializers.SerializerMethodField()
    service_name = serializers.SerializerMethodField()
    description = serializers.SerializerMethodField()
    metadata = serializers.SerializerMethodField()
    type = serializers.SerializerMethodField()
    keywords = serializers.SerializerMethodField()
    group = serializers.SerializerMethodField()

    def _language(self) -> str:
        return self.context.get("language", "nl")

    def get_service_code(self, category: Category) -> str:
        return service_code_of(category)

    def get_service_name(self, category: Category) -> str:
        return category.name(self._language())

    def get_description(self, category: Category) -> str:
        parent = category.parent
        main = parent.name(self._language()) if parent else ""
        return f"{main}: {category.name(self._language())}" if main else category.name("nl")

    def get_metadata(self, category: Category) -> bool:
        # No category asks extra questions yet: every definition's attribute list is empty.
        return False

    def get_type(self, category: Category) -> str:
        return "realtime"

    def get_keywords(self, category: Category) -> str:
        words = [category.name_nl, category.name_en, category.slug]
        return ", ".join(dict.fromkeys(w for w in words if w))

    def get_group(self, category: Category) -> str:
        return category.parent.name(self._language()) if category.parent else ""


class Open311AttributeValueSerializer(serializers.Serializer):
    key = serializers.CharField()
    name = serializers.CharField()


class Open311AttributeSerializer(serializers.Serializer):
    variable = serializers.BooleanField()
    code = serializers.CharField()
    datatype = serializers.CharField()
    required = serializers.BooleanField()  # type: ignore[assignment]
    datatype_description = serializers.CharField()
    order = serializers.IntegerField()
    description = serializers.CharField()
    values = Open311AttributeValueSerializer(many=True)


class Open311ServiceDefinitionSerializer(serializers.Serializer):
    service_code = serializers.SerializerMethodField()
    attributes = serializers.SerializerMethodField()

    def get_service_code(self, category: Category) -> str:
        return service_code_of(category)

    def get_attributes(self, category: Category) -> list[dict[str, Any]]:
        return []


class Open311RequestSerializer(serializers.Serializer):
    service_request_id = serializers.SerializerMethodField()
    status = serializers.SerializerMethodField()
    status_notes = serializers.SerializerMethodField()
    service_name = serializers.SerializerMethodField()
    service_code = serializers.SerializerMethodField()
    # The resident's own words may name people and places beyond the problem; Meldpunt
    # publishes no resident's text (nor does Signalen's public API), so it stays empty.
    description = serializers.SerializerMethodField()
    agency_responsible = serializers.SerializerMethodField()
    service_notice = serializers.SerializerMethodField()
    requested_datetime = TimestampField(source="created_at")
    updated_datetime = TimestampField(source="updated_at")
    expected_datetime = TimestampField(source="deadline", allow_null=True)
    address = serializers.SerializerMethodField()
    address_id = serializers.SerializerMethodField()
    zipcode = serializers.SerializerMethodField()
    lat = serializers.FloatField(source="location.y")
    long = serializers.FloatField(source="location.x")
    media_url = serializers.SerializerMethodField()

    def get_service_request_id(self, report: Report) -> str:
        return report_short_id(report)

    def get_status(self, report: Report) -> str:
        if self.context.get("extended_statuses"):
            return open311_extended_status(report.status, report.resolution)
        return open311_status(report.status)

    def get_status_notes(self, report: Report) -> str:
        return status_text(report.status, report.language, report.resolution or None)

    def get_service_name(self, report: Report) -> str:
        return report.category.name(report.language) if report.category else ""

    def get_service_code(self, report: Report) -> str:
        return service_code_of(report.category)

    def get_description(self, report: Report) -> str:
        return ""

    def get_agency_responsible(self, report: Report) -> str:
        if report.department is not None:
            return report.department.name_nl
        return settings.OPEN311_AGENCY

    def get_service_notice(self, report: Report) -> str:
        return ""

    def get_address(self, report: Report) -> str:
        return report_address_text(report)

    def get_address_id(self, report: Report) -> str:
        return str(report.address_id) if report.address_id is not None else ""

    def get_zipcode(self, report: Report) -> str:
        return report.address.postcode if report.address is not None else ""

    def get_media_url(self, report: Report) -> str:
        photos = getattr(report, "ready_photos", None)
        if photos is None:
            photos = list(report.attachments.filter(state="ready").order_by("position"))
        return storage.media_url(photos[0].file) if photos else ""


class Open311RequestCreatedSerializer(serializers.Serializer):
    service_request_id = serializers.SerializerMethodField()
    token = serializers.CharField(source="id")
    service_notice = serializers.SerializerMethodField()
    account_id = serializers.SerializerMethodField()

    def get_service_request_id(self, report: Report) -> str:
        return report_short_id(report)

    def get_service_notice(self, report: Report) -> str:
        return status_text(report.status, report.language)

    def get_account_id(self, report: Report) -> str:
        return self.context.get("account_id", "")


class Open311TokenSerializer(serializers.Serializer):
    service_request_id = serializers.SerializerMethodField()
    token = serializers.CharField(source="id")

    def get_service_request_id(self, report: Report) -> str:
        return report_short_id(report)


class Open311RequestCreateInputSerializer(serializers.Serializer):
    jurisdiction_id = serializers.CharField(required=False, allow_blank=True)
    api_key = serializers.CharField(required=False, allow_blank=True)
    service_code = serializers.CharField(max_length=201)
    lat = serializers.FloatField(required=False, min_value=-90, max_value=90)
    long = serializers.FloatField(required=False, min_value=-180, max_value=180)
    address_string = serializers.CharField(required=False, allow_blank=True, max_length=300)
    address_id = serializers.CharField(required=False, allow_blank=True, max_length=50)
    email = serializers.EmailField(required=False, allow_blank=True)
    device_id = serializers.CharField(required=False, allow_blank=True, max_length=200)
    account_id = serializers.CharField(required=False, allow_blank=True, max_length=200)
    first_name = serializers.CharField(required=False, allow_blank=True, max_length=200)
    last_name = serializers.CharField(required=False, allow_blank=True, max_length=200)
    phone = serializers.CharField(required=False, allow_blank=True, max_length=32)
    description = serializers.CharField(
        required=False, allow_blank=True, max_length=settings.REPORT_TEXT_MAX_LENGTH
    )
    media_url = serializers.URLField(required=False, allow_blank=True, max_length=500)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        has_point = "lat" in attrs or "long" in attrs
        if has_point and not ("lat" in attrs and "long" in attrs):
            missing = "long" if "lat" in attrs else "lat"
            raise serializers.ValidationError({missing: ["lat and long are sent together."]})
        if not (
            has_point or attrs.get("address_string", "").strip() or attrs.get("address_id", "")
        ):
            raise serializers.ValidationError(
                {"lat": ["A location is required: lat and long, address_string or address_id."]}
            )
        return attrs


class Open311RequestListInputSerializer(serializers.Serializer):
    jurisdiction_id = serializers.CharField(required=False, allow_blank=True)
    service_request_id = serializers.CharField(required=False, allow_blank=True)
    service_code = serializers.CharField(required=False, allow_blank=True)
    start_date = TimestampField(required=False)
    end_date = TimestampField(required=False)
    status = serializers.CharField(required=False, allow_blank=True)
    page = serializers.IntegerField(required=False, min_value=1, default=1)
    page_size = serializers.IntegerField(
        required=False, min_value=1, max_value=settings.OPEN311_PAGE_SIZE
    )
    extended_statuses = serializers.BooleanField(required=False, default=False)

    def validate_status(self, value: str) -> list[str]:
        values = [v.strip().lower() for v in value.split(",") if v.strip()]
        wrong = [v for v in values if v not in ("open", "closed")]
        if wrong:
            raise serializers.ValidationError(f"Use open or closed, not {', '.join(wrong)}.")
        return values


class Open311UpdateListInputSerializer(serializers.Serializer):
    jurisdiction_id = serializers.CharField(required=False, allow_blank=True)
    start_date = TimestampField(required=False)
    end_date = TimestampField(required=False)
    page = serializers.IntegerField(required=False, min_value=1, default=1)
    page_size = serializers.IntegerField(
        required=False, min_value=1, max_value=settings.OPEN311_PAGE_SIZE
    )


class Open311UpdateCreateInputSerializer(serializers.Serializer):
    jurisdiction_id = serializers.CharField(required=False, allow_blank=True)
    api_key = serializers.CharField(required=False, allow_blank=True)
    service_request_id = serializers.CharField(max_length=100)
    update_id = serializers.CharField(max_length=100)
    status = serializers.CharField(max_length=40)
    updated_datetime = TimestampField()
    description = serializers.CharField(max_length=settings.REPORT_TEXT_MAX_LENGTH)
    email = serializers.EmailField(required=False, allow_blank=True)
    phone = serializers.CharField(required=False, allow_blank=True, max_length=32)
    first_name = serializers.CharField(required=False, allow_blank=True, max_length=200)
    last_name = serializers.CharField(required=False, allow_blank=True, max_length=200)
    media_url = serializers.URLField(required=False, allow_blank=True, max_length=500)
    account_id = serializers.CharField(required=False, allow_blank=True, max_length=200)
    public_anonymity_required = serializers.BooleanField(required=False)
    email_alerts_requested = serializers.BooleanField(required=False)

    def validate_status(self, value: str) -> str:
        if value.upper() not in OPEN311_EXTENDED:
            raise serializers.ValidationError(f"Not an Open311 status: {value}.")
        return value.upper()


class Open311UpdateSerializer(serializers.Serializer):
    update_id = serializers.CharField()
    service_request_id = serializers.CharField()
    status = serializers.CharField()
    updated_datetime = TimestampField()
    description = serializers.CharField()
    media_url = serializers.CharField()


class Open311UpdateCreatedSerializer(serializers.Serializer):
    update_id = serializers.CharField()
