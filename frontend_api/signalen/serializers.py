"""Signalen's request and response shapes, written from its public documentation. (No
docstrings on serializers: drf-spectacular publishes them.)"""

import re
from typing import Any

from django.conf import settings
from rest_framework import serializers

from backend.reports.models import Report
from backend.taxonomy.models import Category
from backend.taxonomy.selectors import category_by_path

from ..common.report_refs import report_address_text, report_short_id
from ..common.serializers import TimestampField
from ..common.status_table import SIGNALEN_DISPLAY, signalen_state

API = "/signals/v1"
_SUB_URL = re.compile(r"/terms/categories/(?P<main>[\w-]+)/sub_categories/(?P<sub>[\w-]+)/?$")


def absolute(path: str) -> str:
    return f"{settings.PUBLIC_BASE_URL}{API}{path}"


def main_category_url(category: Category) -> str:
    return absolute(f"/public/terms/categories/{category.slug}")


def sub_category_url(category: Category) -> str:
    parent = category.parent
    main = parent.slug if parent else ""
    return absolute(f"/public/terms/categories/{main}/sub_categories/{category.slug}")


class StrictSerializer(serializers.Serializer):
    """Refuses keys it does not know, in Signalen's words."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, dict):
            extra = sorted(set(data) - set(self.fields))
            if extra:
                raise serializers.ValidationError(
                    {"non_field_errors": [f"Extra properties present: {', '.join(extra)}"]}
                )
        return super().to_internal_value(data)


class PointInputSerializer(StrictSerializer):
    type = serializers.ChoiceField(choices=["Point"])
    coordinates = serializers.ListField(child=serializers.FloatField(), min_length=2, max_length=2)

    def validate_coordinates(self, value: list[float]) -> list[float]:
        lon, lat = value
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            raise serializers.ValidationError("Coordinates are [longitude, latitude] in WGS84.")
        return value


class AddressInputSerializer(StrictSerializer):
    openbare_ruimte = serializers.CharField(required=False, allow_blank=True, max_length=200)
    huisnummer = serializers.CharField(required=False, allow_blank=True, max_length=20)
    huisletter = serializers.CharField(required=False, allow_blank=True, max_length=5)
    huisnummer_toevoeging = serializers.CharField(required=False, allow_blank=True, max_length=20)
    postcode = serializers.CharField(required=False, allow_blank=True, max_length=10)
    woonplaats = serializers.CharField(required=False, allow_blank=True, max_length=100)


class LocationInputSerializer(StrictSerializer):
    geometrie = PointInputSerializer()
    address = AddressInputSerializer(required=False)
    stadsdeel = serializers.CharField(required=False, allow_blank=True, allow_null=True)
    buurt_code = serializers.CharField(required=False, allow_blank=True, allow_null=True)


class CategoryInputSerializer(StrictSerializer):
    sub_category = serializers.CharField(max_length=500)

    def validate_sub_category(self, value: str) -> Category:
        match = _SUB_URL.search(value.split("?")[0])
        category = category_by_path(f"{match['main']}/{match['sub']}") if match else None
        if category is None:
            raise serializers.ValidationError("Not a public sub category of this API.")
        return category


class ReporterInputSerializer(StrictSerializer):
    email = serializers.EmailField(required=False, allow_blank=True, allow_null=True)
    phone = serializers.CharField(required=False, allow_blank=True, allow_null=True, max_length=32)
    sharing_allowed = serializers.BooleanField(required=False, default=False)


class ExtraPropertySerializer(serializers.Serializer):
    id = serializers.CharField(max_length=200)
    label = serializers.CharField(  # type: ignore[assignment]
        required=False, allow_blank=True, max_length=500
    )
    answer = serializers.JSONField()
    category_url = serializers.CharField(required=False, allow_blank=True, max_length=500)


class SignalCreateInputSerializer(StrictSerializer):
    text = serializers.CharField(max_length=3000)
    text_extra = serializers.CharField(required=False, allow_blank=True, max_length=10000)
    location = LocationInputSerializer()
    category = CategoryInputSerializer(required=False)
    reporter = ReporterInputSerializer(required=False)
    incident_date_start = serializers.DateTimeField()
    incident_date_end = serializers.DateTimeField(required=False, allow_null=True)
    source = serializers.CharField(  # type: ignore[assignment]
        required=False, max_length=128, default="online"
    )
    extra_properties = ExtraPropertySerializer(many=True, required=False, allow_null=True)


class HrefSerializer(serializers.Serializer):
    href = serializers.CharField()


class SelfLinksSerializer(serializers.Serializer):
    self = HrefSerializer()


class StatusSerializer(serializers.Serializer):
    state = serializers.SerializerMethodField()
    state_display = serializers.SerializerMethodField()

    def get_state(self, report: Report) -> str:
        return signalen_state(report.status, report.resolution)

    def get_state_display(self, report: Report) -> str:
        return SIGNALEN_DISPLAY[signalen_state(report.status, report.resolution)]


class PublicStatusSerializer(serializers.Serializer):
    # The public detail says only whether it is open: OPEN or CLOSED, as Signalen's does.
    state = serializers.SerializerMethodField()
    state_display = serializers.SerializerMethodField()

    def get_state(self, report: Report) -> str:
        return "CLOSED" if report.status in ("closed", "cancelled") else "OPEN"

    def get_state_display(self, report: Report) -> str:
        return SIGNALEN_DISPLAY[signalen_state(report.status, report.resolution)]


class PublicSignalSerializer(serializers.Serializer):
    _links = serializers.SerializerMethodField()
    _display = serializers.SerializerMethodField()
    id = serializers.SerializerMethodField()
    id_display = serializers.SerializerMethodField()
    signal_id = serializers.UUIDField(source="id")
    status = PublicStatusSerializer(source="*")
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

    def get_incident_date_end(self, report: Report) -> None:
        return None


class GeometrySerializer(serializers.Serializer):
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


class PrivateLocationSerializer(serializers.Serializer):
    geometrie = GeometrySerializer(source="location")
    address = SignalenAddressSerializer(allow_null=True)
    address_text = serializers.SerializerMethodField()

    def get_address_text(self, report: Report) -> str:
        return report_address_text(report)


class DepartmentRefSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField(source="name_nl")


class PrivateCategorySerializer(serializers.Serializer):
    sub = serializers.CharField(source="name_nl")
    sub_slug = serializers.CharField(source="slug")
    main = serializers.CharField(source="parent.name_nl")
    main_slug = serializers.CharField(source="parent.slug")
    category_url = serializers.SerializerMethodField()

    def get_category_url(self, category: Category) -> str:
        return sub_category_url(category)


class PrivateSignalSerializer(serializers.Serializer):
    _links = serializers.SerializerMethodField()
    _display = serializers.SerializerMethodField()
    id = serializers.SerializerMethodField()
    id_display = serializers.SerializerMethodField()
    signal_id = serializers.UUIDField(source="id")
    text = serializers.CharField()
    status = StatusSerializer(source="*")
    category = PrivateCategorySerializer(allow_null=True)
    location = PrivateLocationSerializer(source="*")
    routing_department = DepartmentRefSerializer(source="department", allow_null=True)
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


class HalLinksSerializer(serializers.Serializer):
    self = HrefSerializer()
    next = HrefSerializer(allow_null=True)
    previous = HrefSerializer(allow_null=True)


class PrivateSignalPageSerializer(serializers.Serializer):
    _links = HalLinksSerializer(source="links")
    count = serializers.IntegerField()
    results = PrivateSignalSerializer(many=True)


class StatusInputSerializer(StrictSerializer):
    state = serializers.CharField(max_length=40)
    text = serializers.CharField(required=False, allow_blank=True, max_length=3000, default="")


class SignalUpdateInputSerializer(StrictSerializer):
    status = StatusInputSerializer()


class PrivateListInputSerializer(serializers.Serializer):
    status = serializers.ListField(child=serializers.CharField(), required=False)
    routing_department_code = serializers.ListField(child=serializers.CharField(), required=False)
    page = serializers.IntegerField(required=False, min_value=1, default=1)
    page_size = serializers.IntegerField(required=False, min_value=1, max_value=100, default=100)


class DepartmentSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField(source="name_nl")
    is_intern = serializers.SerializerMethodField()

    def get_is_intern(self, department: Any) -> bool:
        return True


class SubCategorySerializer(serializers.Serializer):
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
        return list(DepartmentSerializer([department] if department else [], many=True).data)

    def get_handling_message(self, category: Category) -> str:
        if category.sla_hours:
            return f"We pakken uw melding binnen {category.sla_hours} uur op."
        if category.sla_working_days:
            return f"We pakken uw melding binnen {category.sla_working_days} werkdagen op."
        return ""

    def get_is_public_accessible(self, category: Category) -> bool:
        return True


class MainCategorySerializer(serializers.Serializer):
    _links = serializers.SerializerMethodField()
    _display = serializers.CharField(source="name_nl")
    name = serializers.CharField(source="name_nl")
    slug = serializers.CharField()
    public_name = serializers.CharField(source="name_nl")
    is_public_accessible = serializers.SerializerMethodField()
    sub_categories = SubCategorySerializer(source="children.all", many=True)

    def get__links(self, category: Category) -> dict[str, Any]:
        return {"self": {"href": main_category_url(category)}}

    def get_is_public_accessible(self, category: Category) -> bool:
        return True


class CategoryPageSerializer(serializers.Serializer):
    _links = HalLinksSerializer(source="links")
    count = serializers.IntegerField()
    results = MainCategorySerializer(many=True)


class GeoCategoryParentSerializer(serializers.Serializer):
    name = serializers.CharField(source="name_nl")
    slug = serializers.CharField()


class GeoCategorySerializer(serializers.Serializer):
    name = serializers.CharField(source="name_nl")
    slug = serializers.CharField()
    parent = GeoCategoryParentSerializer()


class GeoPropertiesSerializer(serializers.Serializer):
    category = GeoCategorySerializer(allow_null=True)
    created_at = TimestampField()


class FeatureSerializer(serializers.Serializer):
    type = serializers.SerializerMethodField()
    geometry = GeometrySerializer(source="location")
    properties = GeoPropertiesSerializer(source="*")

    def get_type(self, report: Report) -> str:
        return "Feature"


class FeatureCollectionSerializer(serializers.Serializer):
    type = serializers.CharField()
    features = FeatureSerializer(many=True)


class GeographyInputSerializer(serializers.Serializer):
    bbox = serializers.CharField(required=False)
    lat = serializers.FloatField(required=False, min_value=-90, max_value=90)
    lon = serializers.FloatField(required=False, min_value=-180, max_value=180)
    maincategory_slug = serializers.ListField(child=serializers.CharField(), required=False)
    category_slug = serializers.ListField(child=serializers.CharField(), required=False)
    group_by = serializers.ChoiceField(choices=["", "category"], required=False)

    def validate_bbox(self, value: str) -> tuple[float, float, float, float]:
        try:
            parts = tuple(float(p) for p in value.split(","))
        except ValueError:
            parts = ()
        if len(parts) != 4:
            raise serializers.ValidationError("bbox is min_lon,min_lat,max_lon,max_lat.")
        return parts  # type: ignore[return-value]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if "bbox" not in attrs and not ("lat" in attrs and "lon" in attrs):
            raise serializers.ValidationError({"bbox": ["Give bbox, or lat and lon."]})
        return attrs


class AttachmentInputSerializer(serializers.Serializer):
    file = serializers.FileField()


class AttachmentSerializer(serializers.Serializer):
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


class FeedbackInputSerializer(StrictSerializer):
    is_satisfied = serializers.BooleanField()
    allows_contact = serializers.BooleanField(required=False, default=False)
    text = serializers.CharField(required=False, allow_blank=True, allow_null=True, max_length=2000)
    text_list = serializers.ListField(
        child=serializers.CharField(max_length=2000), required=False, allow_null=True
    )
    text_extra = serializers.CharField(
        required=False, allow_blank=True, allow_null=True, max_length=2000
    )


class FeedbackFormSerializer(serializers.Serializer):
    signal_id = serializers.UUIDField(source="id")


class StandardAnswerSerializer(serializers.Serializer):
    is_satisfied = serializers.BooleanField()
    text = serializers.CharField()
    topic = serializers.CharField(allow_null=True)
    open_answer = serializers.BooleanField()
