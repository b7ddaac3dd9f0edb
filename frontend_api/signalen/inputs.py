"""What the Signalen-compatible API reads: Signalen's request bodies and query parameters,
strict about keys as Signalen is. (No docstrings on serializers: drf-spectacular publishes
them.)"""

import re
from typing import Any

from rest_framework import serializers

from backend.taxonomy.models import Category
from backend.taxonomy.selectors import category_by_path

from ..common.serializers import TimestampField

_SUB_URL = re.compile(r"/terms/categories/(?P<main>[\w-]+)/sub_categories/(?P<sub>[\w-]+)/?$")


class SignalenStrictSerializer(serializers.Serializer):
    """Refuses keys it does not know, in Signalen's words."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, dict):
            extra = sorted(set(data) - set(self.fields))
            if extra:
                raise serializers.ValidationError(
                    {"non_field_errors": [f"Extra properties present: {', '.join(extra)}"]}
                )
        return super().to_internal_value(data)


class SignalenPointInputSerializer(SignalenStrictSerializer):
    type = serializers.ChoiceField(choices=["Point"])
    coordinates = serializers.ListField(child=serializers.FloatField(), min_length=2, max_length=2)

    def validate_coordinates(self, value: list[float]) -> list[float]:
        lon, lat = value
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            raise serializers.ValidationError("Coordinates are [longitude, latitude] in WGS84.")
        return value


class SignalenAddressInputSerializer(SignalenStrictSerializer):
    openbare_ruimte = serializers.CharField(required=False, allow_blank=True, max_length=200)
    huisnummer = serializers.CharField(required=False, allow_blank=True, max_length=20)
    huisletter = serializers.CharField(required=False, allow_blank=True, max_length=5)
    huisnummer_toevoeging = serializers.CharField(required=False, allow_blank=True, max_length=20)
    postcode = serializers.CharField(required=False, allow_blank=True, max_length=10)
    woonplaats = serializers.CharField(required=False, allow_blank=True, max_length=100)


class SignalenLocationInputSerializer(SignalenStrictSerializer):
    geometrie = SignalenPointInputSerializer()
    address = SignalenAddressInputSerializer(required=False)
    stadsdeel = serializers.CharField(required=False, allow_blank=True, allow_null=True)
    buurt_code = serializers.CharField(required=False, allow_blank=True, allow_null=True)


class SignalenCategoryInputSerializer(SignalenStrictSerializer):
    sub_category = serializers.CharField(max_length=500)

    def validate_sub_category(self, value: str) -> Category:
        match = _SUB_URL.search(value.split("?")[0])
        category = category_by_path(f"{match['main']}/{match['sub']}") if match else None
        if category is None:
            raise serializers.ValidationError("Not a public sub category of this API.")
        return category


class SignalenReporterInputSerializer(SignalenStrictSerializer):
    email = serializers.EmailField(required=False, allow_blank=True, allow_null=True)
    phone = serializers.CharField(required=False, allow_blank=True, allow_null=True, max_length=32)
    sharing_allowed = serializers.BooleanField(required=False, default=False)


class SignalenExtraPropertySerializer(serializers.Serializer):
    id = serializers.CharField(max_length=200)
    label = serializers.CharField(  # type: ignore[assignment]
        required=False, allow_blank=True, max_length=500
    )
    answer = serializers.JSONField()
    category_url = serializers.CharField(required=False, allow_blank=True, max_length=500)


class SignalenSignalCreateInputSerializer(SignalenStrictSerializer):
    text = serializers.CharField(max_length=3000)
    text_extra = serializers.CharField(required=False, allow_blank=True, max_length=10000)
    location = SignalenLocationInputSerializer()
    category = SignalenCategoryInputSerializer(required=False)
    reporter = SignalenReporterInputSerializer(required=False)
    incident_date_start = TimestampField()
    incident_date_end = TimestampField(required=False, allow_null=True)
    source = serializers.CharField(  # type: ignore[assignment]
        required=False, max_length=128, default="online"
    )
    extra_properties = SignalenExtraPropertySerializer(many=True, required=False, allow_null=True)


class SignalenStatusInputSerializer(SignalenStrictSerializer):
    state = serializers.CharField(max_length=40)
    text = serializers.CharField(required=False, allow_blank=True, max_length=3000, default="")


class SignalenSignalUpdateInputSerializer(SignalenStrictSerializer):
    status = SignalenStatusInputSerializer()


class SignalenPrivateListInputSerializer(serializers.Serializer):
    status = serializers.ListField(child=serializers.CharField(), required=False)
    routing_department_code = serializers.ListField(child=serializers.CharField(), required=False)
    page = serializers.IntegerField(required=False, min_value=1, default=1)
    page_size = serializers.IntegerField(required=False, min_value=1, max_value=100, default=100)


class SignalenGeographyInputSerializer(serializers.Serializer):
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


class SignalenAttachmentInputSerializer(serializers.Serializer):
    file = serializers.FileField()


class SignalenFeedbackInputSerializer(SignalenStrictSerializer):
    is_satisfied = serializers.BooleanField()
    allows_contact = serializers.BooleanField(required=False, default=False)
    text = serializers.CharField(required=False, allow_blank=True, allow_null=True, max_length=2000)
    text_list = serializers.ListField(
        child=serializers.CharField(max_length=2000), required=False, allow_null=True
    )
    text_extra = serializers.CharField(
        required=False, allow_blank=True, allow_null=True, max_length=2000
    )
