"""The dispatchers' filter parameters: one validation for the list, the map, the statistics,
the export, bulk actions by filter and saved work queues. Every bad value is a 400 naming its
parameter; an unknown parameter too (KnownParameters)."""

from datetime import datetime
from typing import Any
from uuid import UUID

from django.conf import settings
from django.core import signing
from django.utils.translation import gettext as _
from rest_framework import serializers

from backend.geo.selectors import area_by_label
from backend.reports.models import Report
from backend.reports.search import ORDERINGS, Near, PagePosition, Punctuality, ReportFilters
from backend.reports.workflow import Status
from backend.taxonomy.selectors import category_by_any_path, department_by_any_code
from frontend_api.common.serializers import KnownParameters, TimestampField

from .lookups import category_named, contractor_named, department_named

_CURSOR_SALT = "meldpunt.staff.reports.cursor"


def _several(value: str, allowed: list[str], what: str) -> list[str]:
    values = [part.strip() for part in value.split(",") if part.strip()]
    if not values:
        raise serializers.ValidationError(_("Give at least one value."))
    unknown = [v for v in values if v not in allowed]
    if unknown:
        raise serializers.ValidationError(
            _("Unknown %(what)s: %(values)s.") % {"what": what, "values": ", ".join(unknown)}
        )
    return values


def _floats(value: str, count: int) -> list[float]:
    try:
        numbers = [float(part) for part in value.split(",")]
    except ValueError:
        numbers = []
    if len(numbers) != count or not all(abs(n) != float("inf") and n == n for n in numbers):
        raise serializers.ValidationError(
            _("Expected %(count)d comma-separated numbers.") % {"count": count}
        )
    return numbers


def bbox_value(value: str) -> tuple[float, float, float, float]:
    min_lon, min_lat, max_lon, max_lat = _floats(value, 4)
    if not (-180 <= min_lon <= 180 and -180 <= max_lon <= 180):
        raise serializers.ValidationError(_("Longitudes lie between -180 and 180."))
    if not (-90 <= min_lat <= 90 and -90 <= max_lat <= 90):
        raise serializers.ValidationError(_("Latitudes lie between -90 and 90."))
    if min_lon >= max_lon or min_lat >= max_lat:
        raise serializers.ValidationError(
            _("Give minlon,minlat,maxlon,maxlat with each minimum below its maximum.")
        )
    limit = settings.SEARCH_BBOX_MAX_DEGREES
    if max_lon - min_lon > limit or max_lat - min_lat > limit:
        raise serializers.ValidationError(
            _("A box may span at most %(degrees)s degrees each way.") % {"degrees": limit}
        )
    return (min_lon, min_lat, max_lon, max_lat)


# Query parameters (a comment: serializers' docstrings become the schema's descriptions).
class ReportFilterSerializer(KnownParameters, serializers.Serializer):
    status = serializers.CharField(
        required=False, help_text="one status, or several comma-separated"
    )
    category = serializers.CharField(required=False, help_text='"main/sub", or "main" for all subs')
    department = serializers.CharField(required=False, help_text="department code")
    contractor = serializers.CharField(required=False, help_text="contractor code")
    area = serializers.CharField(required=False, help_text='"type:code", e.g. "district:centrum"')
    priority = serializers.CharField(required=False, help_text="low, normal, high; several: a,b")
    source = serializers.CharField(  # type: ignore[assignment]  # DRF moves it aside
        required=False, help_text="app, web, phone, ...; several: a,b"
    )
    needs_triage = serializers.BooleanField(required=False, allow_null=True, default=None)
    punctuality = serializers.ChoiceField(
        choices=Punctuality.CHOICES,
        required=False,
        help_text="on_time; overdue; far_overdue (late by more than 3x the time it was given)",
    )
    created_after = TimestampField(required=False)
    created_before = TimestampField(required=False)
    updated_after = TimestampField(required=False)
    updated_before = TimestampField(required=False)
    has_photos = serializers.BooleanField(required=False, allow_null=True, default=None)
    unsatisfied_feedback = serializers.BooleanField(required=False, allow_null=True, default=None)
    q = serializers.CharField(
        required=False,
        max_length=200,
        help_text="full text over the report's text and the notes (words as prefixes), "
        "or a short id",
    )
    bbox = serializers.CharField(required=False, help_text="minlon,minlat,maxlon,maxlat")
    near = serializers.CharField(required=False, help_text="lat,lon (with radius)")
    radius = serializers.IntegerField(
        required=False, min_value=1, help_text="metres around `near`, at most 10 km"
    )

    def validate_status(self, value: str) -> list[str]:
        return _several(value, list(Status.values), _("status"))

    def validate_priority(self, value: str) -> list[str]:
        return _several(value, list(Report.Priority.values), _("priority"))

    def validate_source(self, value: str) -> list[str]:
        return _several(value, list(Report.Source.values), _("source"))

    def validate_category(self, value: str) -> Any:
        return category_named(value, category_by_any_path)

    def validate_department(self, value: str) -> Any:
        return department_named(value, department_by_any_code)

    def validate_contractor(self, value: str) -> Any:
        return contractor_named(value)

    def validate_area(self, value: str) -> Any:
        area = area_by_label(value)
        if area is None:
            raise serializers.ValidationError(
                _("Unknown area %(value)r (give type:code).") % {"value": value}
            )
        return area

    def validate_bbox(self, value: str) -> tuple[float, float, float, float]:
        return bbox_value(value)

    def validate_near(self, value: str) -> tuple[float, float]:
        lat, lon = _floats(value, 2)
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise serializers.ValidationError(_("Give lat,lon within the world's ranges."))
        return (lat, lon)

    def validate_radius(self, value: int) -> int:
        limit = settings.SEARCH_NEAR_MAX_METRES
        if value > limit:
            raise serializers.ValidationError(
                _("A radius may be at most %(metres)d m.") % {"metres": limit}
            )
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if ("near" in attrs) != ("radius" in attrs):
            missing = "radius" if "near" in attrs else "near"
            raise serializers.ValidationError({missing: [_("Give near and radius together.")]})
        ranges = (("created_after", "created_before"), ("updated_after", "updated_before"))
        for start, end in ranges:
            if start in attrs and end in attrs and attrs[start] >= attrs[end]:
                raise serializers.ValidationError({end: [_("The end must come after the start.")]})
        return attrs


def report_filters(params: dict[str, Any]) -> ReportFilters:
    """The validated parameters as the selectors take them."""
    near = params.get("near")
    return ReportFilters(
        statuses=params.get("status") or (),
        category=params.get("category"),
        department=params.get("department"),
        contractor=params.get("contractor"),
        area=params.get("area"),
        priorities=params.get("priority") or (),
        sources=params.get("source") or (),
        needs_triage=params.get("needs_triage"),
        punctuality=params.get("punctuality"),
        created_after=params.get("created_after"),
        created_before=params.get("created_before"),
        updated_after=params.get("updated_after"),
        updated_before=params.get("updated_before"),
        has_photos=params.get("has_photos"),
        unsatisfied_feedback=params.get("unsatisfied_feedback"),
        q=params.get("q", ""),
        bbox=params.get("bbox"),
        near=Near(lat=near[0], lon=near[1], radius_m=float(params["radius"])) if near else None,
    )


def filters_from_query(data: Any) -> ReportFilters:
    """Validate a filter given as query parameters (or a saved queue's or a bulk request's
    dict of them); raises ValidationError naming the parameter."""
    serializer = ReportFilterSerializer(data=data)
    serializer.is_valid(raise_exception=True)
    return report_filters(serializer.validated_data)


_ORDERING_CHOICES = [f"{sign}{name}" for name in ORDERINGS for sign in ("", "-")]


class ReportListQuerySerializer(ReportFilterSerializer):
    ordering = serializers.ChoiceField(
        choices=_ORDERING_CHOICES, required=False, default="-created"
    )
    cursor = serializers.CharField(required=False, help_text="from `next` or `previous`")
    page_size = serializers.IntegerField(required=False, min_value=1, max_value=200, default=50)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        if "cursor" in attrs:
            attrs["cursor"] = cursor_read(attrs["cursor"], attrs["ordering"])
        return attrs


def cursor_write(*, ordering: str, value: Any, report_id: Any, backwards: bool) -> str:
    """A page position, signed: a client can hand it back, not make one up or alter it."""
    if hasattr(value, "isoformat"):
        value = value.isoformat()
    return signing.dumps(
        {"o": ordering, "v": value, "i": str(report_id), "b": backwards},
        salt=_CURSOR_SALT,
        compress=True,
    )


def cursor_read(cursor: str, ordering: str) -> PagePosition:
    invalid = serializers.ValidationError({"cursor": [_("This cursor is not one we gave out.")]})
    try:
        data = signing.loads(cursor, salt=_CURSOR_SALT)
        if data["o"] != ordering:
            raise serializers.ValidationError(
                {"cursor": [_("This cursor belongs to another ordering.")]}
            )
        value = data["v"]
        if ordering.lstrip("-") != "priority":
            value = datetime.fromisoformat(value)
        return PagePosition(value=value, id=UUID(data["i"]), backwards=bool(data["b"]))
    except serializers.ValidationError:
        raise
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise invalid from None
