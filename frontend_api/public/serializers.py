"""The resident's API: input serializers, and output serializers reading the report (or a
typed object from representations.py)."""

from django.conf import settings
from django.contrib.gis.geos import Point
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import serializers

from backend.classification.predict import clean_text, has_words
from backend.reports.models import Report
from backend.reports.workflow import status_text
from backend.taxonomy.selectors import category_by_path
from frontend_api.common.photos import IdentifiedPhoto, photos_field, photos_field_validate
from frontend_api.common.serializers import (
    AddressSerializer,
    CategoryRefSerializer,
    FiniteFloatField,
    JSONTypes,
    LocationSerializer,
    PhotoSerializer,
    RoundedFloatField,
    ShallowFields,
    TimestampField,
)

_RESIDENT_SOURCES = [Report.Source.APP, Report.Source.WEB]


class StatusTextField(serializers.CharField):
    """The status in words, in the report's language, with the resolution once closed. Reads
    what has a status, language and resolution (a report): declare it with source="*"."""

    def to_representation(self, value) -> str:
        return status_text(value.status, value.language, value.resolution or None)


class ReportCreateInputSerializer(JSONTypes, ShallowFields, serializers.Serializer):
    text = serializers.CharField(max_length=settings.REPORT_TEXT_MAX_LENGTH)
    lat = FiniteFloatField(min_value=-90, max_value=90, required=False)
    lon = FiniteFloatField(min_value=-180, max_value=180, required=False)
    category = serializers.CharField(
        required=False,
        allow_null=True,
        allow_blank=True,
        max_length=201,
        help_text='"main/sub" slug from /api/v1/public/categories/; omit to let us classify.',
    )
    # The column's length (RFC 5321's limit): a longer address passed as valid and overflowed it.
    email = serializers.EmailField(required=False, allow_blank=True, max_length=254)
    phone = serializers.RegexField(
        r"^\+?[0-9 ()-]{6,20}$",
        required=False,
        allow_blank=True,
        error_messages={"invalid": gettext_lazy("Enter a phone number of 6 to 20 digits.")},
    )
    allow_contact = serializers.BooleanField(required=False, default=False)
    language = serializers.ChoiceField(
        choices=Report.Language.choices,
        required=False,
        help_text="The language of the resident's mails and status texts. Omitted: the text's"
        " own, where it tells; else the request's Accept-Language (nl or en); else nl.",
    )
    # Shadows Field.source only on the class; DRF moves declared fields out of the way.
    source = serializers.ChoiceField(  # type: ignore[assignment]
        choices=_RESIDENT_SOURCES, default=Report.Source.APP
    )
    photos = photos_field()

    def validate_category(self, value):
        if not value:
            return None
        category = category_by_path(value)
        if category is None:
            raise serializers.ValidationError(
                _('Unknown category %(value)r; use a "main/sub" slug from the categories list.')
                % {"value": value}
            )
        return category

    def validate_photos(self, files) -> list[IdentifiedPhoto]:
        return photos_field_validate(files)

    def validate(self, attrs):
        """Gives report_create()'s arguments: the location as a Point, and where it came from."""
        has_lat, has_lon = "lat" in attrs, "lon" in attrs
        if has_lat != has_lon:
            missing = "lon" if has_lat else "lat"
            raise serializers.ValidationError({missing: [_("Give both lat and lon, or neither.")]})
        photos = attrs.get("photos") or []
        if has_lat:
            lat, lon = attrs.pop("lat"), attrs.pop("lon")
            attrs["location_source"] = Report.LocationSource.RESIDENT
        else:
            gps = photos[0].gps if photos else None
            if gps is None:
                message = _("A location is required: lat and lon, or a photo with GPS data.")
                raise serializers.ValidationError({"lat": [message], "lon": [message]})
            lat, lon = gps
            attrs["location_source"] = Report.LocationSource.PHOTO_EXIF
        attrs["location"] = Point(lon, lat, srid=4326)
        attrs["photos"] = [photo.upload for photo in photos]
        return attrs


# Reads a PossibleDuplicate.
class DuplicateSummarySerializer(ShallowFields, serializers.Serializer):
    category = CategoryRefSerializer()
    status = serializers.CharField()
    status_text = StatusTextField(source="*")
    distance_m = RoundedFloatField(digits=1)
    created_at = TimestampField()
    follow_token = serializers.CharField(
        help_text="Follow that report instead: POST /api/v1/public/reports/{follow_token}/follow/"
    )


# Reads PublicLinks.
class LinksSerializer(ShallowFields, serializers.Serializer):
    self = serializers.URLField(source="self_url")
    websocket = serializers.CharField()


# Reads a CreatedReport.
class ReportCreatedSerializer(ShallowFields, serializers.Serializer):
    id = serializers.UUIDField()
    short_id = serializers.CharField(
        help_text="the human id, for phone calls and mails (M-2026-000123)"
    )
    tracking_token = serializers.CharField(help_text="Keep it: it is the only key to this report.")
    status = serializers.CharField()
    status_text = StatusTextField(source="*")
    category = CategoryRefSerializer(allow_null=True)
    needs_triage = serializers.BooleanField()
    deadline = TimestampField(allow_null=True)
    location = LocationSerializer()
    address = AddressSerializer(allow_null=True, help_text="the nearest known address, if any")
    location_source = serializers.CharField()
    photos_received = serializers.IntegerField()
    possible_duplicates = DuplicateSummarySerializer(many=True)
    links = LinksSerializer()


# Reads backend.reports.presentation.public_event()'s dict, the shape pushes have too.
class PublicEventSerializer(serializers.Serializer):
    seq = serializers.IntegerField()
    type = serializers.CharField()
    status = serializers.CharField()
    status_text = serializers.CharField()
    text = serializers.CharField()
    at = TimestampField()


# Reads a PublicReport.
class PublicReportSerializer(serializers.Serializer):
    short_id = serializers.CharField(
        help_text="the human id, for phone calls and mails (M-2026-000123)"
    )
    status = serializers.CharField()
    status_text = StatusTextField(source="*")
    resolution = serializers.CharField(allow_blank=True)
    category = CategoryRefSerializer(allow_null=True)
    text = serializers.CharField()
    location = LocationSerializer()
    address = AddressSerializer(allow_null=True, help_text="the nearest known address, if any")
    created_at = TimestampField()
    deadline = TimestampField(allow_null=True)
    photos = PhotoSerializer(many=True)
    photos_processing = serializers.IntegerField()
    timeline = PublicEventSerializer(many=True)
    links = LinksSerializer()


# Reads a Category; a main category's path is its slug.
class SubCategorySerializer(serializers.Serializer):
    slug = serializers.CharField(source="path")
    name_nl = serializers.CharField()
    name_en = serializers.CharField()


# Reads a main Category of category_tree(), its active subs prefetched.
class MainCategorySerializer(SubCategorySerializer):
    sub = SubCategorySerializer(source="children", many=True)


class ClassifyInputSerializer(JSONTypes, serializers.Serializer):
    text = serializers.CharField(max_length=settings.REPORT_TEXT_MAX_LENGTH)

    def validate_text(self, value: str) -> str:
        cleaned = clean_text(value)
        if not has_words(cleaned):
            raise serializers.ValidationError(_("Describe the problem in words."))
        return cleaned


# Reads a SuggestedCategory.
class ClassifySuggestionSerializer(CategoryRefSerializer):
    probability = RoundedFloatField(digits=4)


# Reads a Classification.
class ClassifyOutputSerializer(serializers.Serializer):
    suggestions = ClassifySuggestionSerializer(many=True)
    model_version = serializers.CharField()


class PushKeysSerializer(serializers.Serializer):
    p256dh = serializers.RegexField(r"^[A-Za-z0-9_=-]{20,200}$")
    auth = serializers.RegexField(r"^[A-Za-z0-9_=-]{8,100}$")


class PushSubscriptionInputSerializer(JSONTypes, serializers.Serializer):
    """What the browser's PushSubscription.toJSON() gives."""

    endpoint = serializers.URLField(max_length=1000)
    keys = PushKeysSerializer()

    def validate_endpoint(self, value: str) -> str:
        if not value.startswith("https://"):
            raise serializers.ValidationError(_("A push service endpoint is an https URL."))
        return value


# Reads a SubscriptionAnswer.
class SubscriptionSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    channel = serializers.CharField()
    created = serializers.BooleanField(help_text="false when this subscription already existed")
    confirmed = serializers.BooleanField(
        help_text="false for a follower's e-mail address until its owner used the link we mailed"
        " to it; no news reaches the address before that"
    )


# Reads a Report.
class ReportStateSerializer(serializers.Serializer):
    status = serializers.CharField()
    status_text = StatusTextField(source="*")
