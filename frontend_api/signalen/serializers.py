"""Signalen's request and response shapes, written from its public documentation. (No
docstrings on serializers: drf-spectacular publishes them.)"""

from typing import Any

from django.conf import settings
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from backend.reports.models import Report
from backend.taxonomy.models import Category

from ..common.report_refs import report_address_text, report_short_id
from ..common.serializers import TimestampField
from ..common.status_table import SIGNALEN_DISPLAY, signalen_state

API = "/signals/v1"


def absolute(path: str) -> str:
    return f"{settings.PUBLIC_BASE_URL}{API}{path}"


def main_category_url(category: Category) -> str:
    return absolute(f"/public/terms/categories/{category.slug}")


def sub_category_url(category: Category) -> str:
    parent = category.parent
    main = parent.slug if parent else ""
    return absolute(f"/public/terms/categories/{main}/sub_categories/{category.slug}")


class SignalenHrefSerializer(serializers.Serializer):
    href = serializers.CharField()


class SignalenSelfLinksSerializer(serializers.Serializer):
    self = SignalenHrefSerializer()


class SignalenStatusSerializer(serializers.Serializer):
    state = serializers.SerializerMethodField()
    state_display = serializers.SerializerMethodField()

    def get_state(self, report: Report) -> str:
        return signalen_state(report.status, report.resolution)

    def get_state_display(self, report: Report) -> str:
        return SIGNALEN_DISPLAY[signalen_state(report.status, report.resolution)]


class SignalenPublicStatusSerializer(serializers.Serializer):
    # The public detail says only whether it is open: OPEN or CLOSED, as Signalen's does.
    state = serializers.SerializerMethodField()
    state_display = serializers.SerializerMethodField()

    def get_state(self, report: Report) -> str:
        return "CLOSED" if report.status in ("closed", "cancelled") else "OPEN"

    def get_state_display(self, report: Report) -> str:
        return SIGNALEN_DISPLAY[signalen_state(report.status, report.resolution)]


class SignalenPublicSignalSerializer(serializers.Serializer):
    _links = serializers.SerializerMethodField()
    _display = serializers.SerializerMethodField()
    id = serializers.SerializerMethodField()
    id_display = serializers.SerializerMethodField()
    signal_id = serializers.UUIDField(source="id")
    status = SignalenPublicStatusSerializer(source="*")
    created_at = TimestampField()
    updated_at = TimestampField()
    # We keep no incident period apart from the report: it began when it was reported.
    incident_date_start = TimestampField(source="created_at")
    incident_date_end = serializers.SerializerMethodField()

    def get__links(self, report: Report) -> dict[str, Any]:
        return {"self": {"href": absolute(f"/public/signals/{report.id}")}}

    def get__display(self, report: Report) -> str:
        return report_short_id(report)

    def get_id(self, report: Report) -> str:
        return report_short_id(report)

    def get_id_display(self, report: Report) -> str:
        return report_short_id(report)

    # Always null: the schema says so, or clients validating the answer refuse it.
    @extend_schema_field({"type": "string", "format": "date-time", "nullable": True})
    def get_incident_date_end(self, report: Report) -> None:
        return None


class SignalenGeometrySerializer(serializers.Serializer):
    type = serializers.SerializerMethodField()
    coordinates = serializers.SerializerMethodField()

    def get_type(self, point: Any) -> str:
        return "Point"

    def get_coordinates(self, point: Any) -> list[float]:
        return [point.x, point.y]


class SignalenAddressSerializer(serializers.Serializer):
    openbare_ruimte = serializers.CharField(source="street")
    huisnummer = serializers.IntegerField(source="number")
    huisletter = serializers.SerializerMethodField()
    huisnummer_toevoeging = serializers.SerializerMethodField()
    postcode = serializers.CharField()
    woonplaats = serializers.CharField(source="city")

    def get_huisletter(self, address: Any) -> str:
        suffix = address.number_suffix
        return suffix if len(suffix) == 1 and suffix.isalpha() else ""

    def get_huisnummer_toevoeging(self, address: Any) -> str:
        suffix = address.number_suffix
        return "" if len(suffix) == 1 and suffix.isalpha() else suffix


class SignalenPrivateLocationSerializer(serializers.Serializer):
    geometrie = SignalenGeometrySerializer(source="location")
    address = SignalenAddressSerializer(allow_null=True)
    address_text = serializers.SerializerMethodField()

    def get_address_text(self, report: Report) -> str:
        return report_address_text(report)


class SignalenDepartmentRefSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField(source="name_nl")


class SignalenPrivateCategorySerializer(serializers.Serializer):
    sub = serializers.CharField(source="name_nl")
    sub_slug = serializers.CharField(source="slug")
    main = serializers.CharField(source="parent.name_nl")
    main_slug = serializers.CharField(source="parent.slug")
    category_url = serializers.SerializerMethodField()

    def get_category_url(self, category: Category) -> str:
        return sub_category_url(category)


class SignalenPrivateSignalSerializer(serializers.Serializer):
    _links = serializers.SerializerMethodField()
    _display = serializers.SerializerMethodField()
    id = serializers.SerializerMethodField()
    id_display = serializers.SerializerMethodField()
    signal_id = serializers.UUIDField(source="id")
    text = serializers.CharField()
    status = SignalenStatusSerializer(source="*")
    category = SignalenPrivateCategorySerializer(allow_null=True)
    location = SignalenPrivateLocationSerializer(source="*")
    routing_department = SignalenDepartmentRefSerializer(source="department", allow_null=True)
    priority = serializers.CharField()
    source = serializers.CharField()  # type: ignore[assignment]
    created_at = TimestampField()
    updated_at = TimestampField()
    incident_date_start = TimestampField(source="created_at")

    def get__links(self, report: Report) -> dict[str, Any]:
        return {"self": {"href": absolute(f"/private/signals/{report.id}")}}

    def get__display(self, report: Report) -> str:
        return report_short_id(report)

    def get_id(self, report: Report) -> str:
        return report_short_id(report)

    def get_id_display(self, report: Report) -> str:
        return report_short_id(report)


class SignalenHalLinksSerializer(serializers.Serializer):
    self = SignalenHrefSerializer()
    next = SignalenHrefSerializer(allow_null=True)
    previous = SignalenHrefSerializer(allow_null=True)


class SignalenPrivateSignalPageSerializer(serializers.Serializer):
    _links = SignalenHalLinksSerializer(source="links")
    count = serializers.IntegerField()
    results = SignalenPrivateSignalSerializer(many=True)


class SignalenDepartmentSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField(source="name_nl")
    is_intern = serializers.SerializerMethodField()

    def get_is_intern(self, department: Any) -> bool:
        return True


class SignalenSubCategorySerializer(serializers.Serializer):
    _links = serializers.SerializerMethodField()
    _display = serializers.CharField(source="name_nl")
    name = serializers.CharField(source="name_nl")
    slug = serializers.CharField()
    handling = serializers.SerializerMethodField()
    departments = serializers.SerializerMethodField()
    is_active = serializers.BooleanField()
    description = serializers.CharField(source="name_en")
    handling_message = serializers.SerializerMethodField()
    public_name = serializers.CharField(source="name_nl")
    is_public_accessible = serializers.SerializerMethodField()

    def get__links(self, category: Category) -> dict[str, Any]:
        return {"self": {"href": sub_category_url(category)}}

    def get_handling(self, category: Category) -> str:
        return "REST"

    def get_departments(self, category: Category) -> list[dict[str, Any]]:
        department = category.department
        return list(
            SignalenDepartmentSerializer([department] if department else [], many=True).data
        )

    def get_handling_message(self, category: Category) -> str:
        if category.sla_hours:
            return f"We pakken uw melding binnen {category.sla_hours} uur op."
        if category.sla_working_days:
            return f"We pakken uw melding binnen {category.sla_working_days} werkdagen op."
        return ""

    def get_is_public_accessible(self, category: Category) -> bool:
        return True


class SignalenMainCategorySerializer(serializers.Serializer):
    _links = serializers.SerializerMethodField()
    _display = serializers.CharField(source="name_nl")
    name = serializers.CharField(source="name_nl")
    slug = serializers.CharField()
    public_name = serializers.CharField(source="name_nl")
    is_public_accessible = serializers.SerializerMethodField()
    sub_categories = SignalenSubCategorySerializer(source="children.all", many=True)

    def get__links(self, category: Category) -> dict[str, Any]:
        return {"self": {"href": main_category_url(category)}}

    def get_is_public_accessible(self, category: Category) -> bool:
        return True


class SignalenCategoryPageSerializer(serializers.Serializer):
    _links = SignalenHalLinksSerializer(source="links")
    count = serializers.IntegerField()
    results = SignalenMainCategorySerializer(many=True)


class SignalenGeoCategoryParentSerializer(serializers.Serializer):
    name = serializers.CharField(source="name_nl")
    slug = serializers.CharField()


class SignalenGeoCategorySerializer(serializers.Serializer):
    name = serializers.CharField(source="name_nl")
    slug = serializers.CharField()
    parent = SignalenGeoCategoryParentSerializer()


class SignalenGeoPropertiesSerializer(serializers.Serializer):
    category = SignalenGeoCategorySerializer(allow_null=True)
    created_at = TimestampField()


class SignalenFeatureSerializer(serializers.Serializer):
    type = serializers.SerializerMethodField()
    geometry = SignalenGeometrySerializer(source="location")
    properties = SignalenGeoPropertiesSerializer(source="*")

    def get_type(self, report: Report) -> str:
        return "Feature"


class SignalenFeatureCollectionSerializer(serializers.Serializer):
    type = serializers.CharField()
    features = SignalenFeatureSerializer(many=True)


class SignalenAttachmentSerializer(serializers.Serializer):
    _display = serializers.SerializerMethodField()
    _links = serializers.SerializerMethodField()
    location = serializers.SerializerMethodField()
    is_image = serializers.SerializerMethodField()
    created_at = TimestampField()

    def get__display(self, attachment: Any) -> str:
        return f"Attachment object ({attachment.id})"

    def get__links(self, attachment: Any) -> dict[str, Any]:
        return {"self": {"href": absolute(f"/public/signals/{attachment.report_id}/attachments/")}}

    def get_location(self, attachment: Any) -> str:
        return ""

    def get_is_image(self, attachment: Any) -> bool:
        return True


class SignalenFeedbackFormSerializer(serializers.Serializer):
    signal_id = serializers.UUIDField(source="id")


class SignalenStandardAnswerSerializer(serializers.Serializer):
    is_satisfied = serializers.BooleanField()
    text = serializers.CharField()
    topic = serializers.CharField(allow_null=True)
    open_answer = serializers.BooleanField()


class SignalenDetailSerializer(serializers.Serializer):
    detail = serializers.CharField()
