"""Fields and output shapes several APIs share.

Output serializers read the domain objects themselves (a Report, an Attachment, a Point), or
a small typed object from a `representations` module where a response adds to them, so the
body sent is the one the schema declares. (No docstrings on serializers: drf-spectacular
publishes them as the schema's descriptions.)
"""

import copy
import math
from collections.abc import Mapping
from datetime import datetime
from functools import cached_property
from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import inline_serializer
from rest_framework import serializers
from rest_framework.utils import html

from backend.common.times import timestamp_text
from backend.reports import storage

from .representations import report_overdue


# For a serializer on the intake's path, the hot one: its fields are copied shallowly.
#
# DRF deep-copies every declared field, nested serializers and all, for each serializer
# instance: most of the cost of validating a report, and of serializing the answer. A shallow
# copy is as fresh here: bind() gives each copy its own name and parent, and no field keeps
# state of a request. A list field's child (the photos' FileField, a many=True serializer) is
# shared across instances: it is stateless, and none of these serializers reads its context.
# The fields an instance reads are listed once: DRF walks its field mapping again for every
# object it serializes (and for every item of a list), and the intake's answer serializer is
# one instance shared by all requests.
# (A comment, not a docstring: serializers inherit docstrings, and drf-spectacular publishes
# them.)
class ShallowFields:
    _declared_fields: dict[str, serializers.Field]
    fields: Any

    def get_fields(self) -> dict[str, serializers.Field]:
        return {name: copy.copy(field) for name, field in self._declared_fields.items()}

    @cached_property
    def _readable_fields(self) -> list[serializers.Field]:
        return [field for field in self.fields.values() if not field.write_only]


class TimestampField(serializers.DateTimeField):
    """A time as every answer, push and webhook gives it (backend/common/times.py: UTC with
    Z); read as DRF's field reads it. DRF's own writes the active time zone's offset."""

    def to_representation(self, value: datetime | str) -> str:
        # A dict built for pushes too (public_event) holds the time already written.
        return value if isinstance(value, str) else timestamp_text(value)


class FiniteFloatField(serializers.FloatField):
    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if not math.isfinite(value):
            raise serializers.ValidationError(_("A finite number is required."))
        return value


# (type, what the message calls it) a JSON value must have for a field of each class. Order
# matters: a BooleanField before IntegerField (bool is an int), an EmailField is a CharField.
_JSON_TYPES: list[tuple[type, tuple[type, ...], str]] = [
    (serializers.BooleanField, (bool,), "true or false"),
    (serializers.IntegerField, (int,), "an integer"),
    (serializers.FloatField, (int, float), "a number"),
    (serializers.DecimalField, (int, float, str), "a number"),
    (serializers.FileField, (), ""),
    (serializers.CharField, (str,), "a string"),
    (serializers.UUIDField, (str,), "a string"),
    (serializers.DateTimeField, (str,), "a string"),
    (serializers.DateField, (str,), "a string"),
    (serializers.ListField, (list,), "a list"),
    (serializers.ListSerializer, (list,), "a list"),
    (serializers.DictField, (dict,), "an object"),
    (serializers.Serializer, (dict,), "an object"),
]


def _json_type_error(field: serializers.Field, value: Any, name: str) -> dict[str, list[str]]:
    """What is wrong with the JSON type of `value` for `field`, by field name; nothing if
    the type is the one the schema declares."""
    if value is None:
        return {}  # null is the field's own business (allow_null)
    if isinstance(field, serializers.ChoiceField):
        # The schema's enum has the choices' own types (strings here, but not always).
        types = tuple({type(choice) for choice in field.choices}) or (str,)
        label = "one of the choices"
    else:
        entry = next((e for e in _JSON_TYPES if isinstance(field, e[0])), None)
        if entry is None or not entry[1]:
            return {}
        _, types, label = entry
    if not isinstance(value, types) or (isinstance(value, bool) and bool not in types):
        return {name: [f"Expected {label}."]}
    child = getattr(field, "child", None)
    if isinstance(value, list) and child is not None:
        errors: dict[str, list[str]] = {}
        for index, item in enumerate(value):
            errors.update(_json_type_error(child, item, f"{name}.{index}"))
        return errors
    if isinstance(value, dict) and isinstance(field, serializers.DictField) and child is not None:
        errors = {}
        for key, item in value.items():
            errors.update(_json_type_error(child, item, f"{name}.{key}"))
        return errors
    return {}


# An input serializer that takes a JSON body at its declared types.
#
# DRF converts: a number where a string is expected becomes one ("0"), false is 0.0 for a
# float, "3" is an integer, 1 is true. The schema promises none of that, and a client that
# sends the wrong type has a bug it should hear of. Form and multipart bodies (and query
# strings) are text by nature and keep DRF's conversion. (A comment: serializers inherit
# docstrings, and drf-spectacular publishes them.)
class JSONTypes:
    fields: Any

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, Mapping) and not html.is_html_input(data):
            errors: dict[str, list[str]] = {}
            for name, field in self.fields.items():
                if not field.read_only and name in data:
                    errors.update(_json_type_error(field, data[name], name))
            if errors:
                raise serializers.ValidationError(errors)
        return super().to_internal_value(data)  # type: ignore[misc]


class KnownParameters:
    """A query serializer that refuses a parameter it does not know: a misspelt filter that
    was ignored would answer with everything, and the client would take it for the result."""

    fields: Any

    def to_internal_value(self, data: Any) -> Any:
        unknown = sorted(name for name in data if name not in self.fields)
        if unknown:
            # A nameless one ("?=x") is named for where it is: the error shape keeps "" for
            # the body.
            raise serializers.ValidationError(
                {
                    (name or "query"): [
                        _("Unknown parameter.") if name else _("A parameter without a name.")
                    ]
                    for name in unknown
                }
            )
        return super().to_internal_value(data)  # type: ignore[misc]


class RoundedFloatField(serializers.FloatField):
    def __init__(self, *, digits: int, **kwargs) -> None:
        self.digits = digits
        super().__init__(**kwargs)

    def to_representation(self, value):
        return float(round(value, self.digits))


class MediaUrlField(serializers.URLField):
    """The public URL of a stored file, from its path under the media root."""

    def to_representation(self, value: str) -> str:
        return storage.media_url(value)


class OverdueField(serializers.BooleanField):
    """Reads the report itself: declare it with source="*"."""

    def to_representation(self, value) -> bool:
        return report_overdue(value)


class CategoryMainField(serializers.CharField):
    """The main category's slug, from a category's "main/sub" (or "main") path."""

    def to_representation(self, value: str) -> str:
        return value.split("/", 1)[0]


# Reads a Category.
class CategoryRefSerializer(ShallowFields, serializers.Serializer):
    slug = serializers.CharField(source="path", help_text='"main/sub" slug')
    main = CategoryMainField(source="path")
    name_nl = serializers.CharField()
    name_en = serializers.CharField()


# Reads an Attachment.
class PhotoSerializer(serializers.Serializer):
    url = MediaUrlField(source="file")
    thumbnail_url = MediaUrlField(source="thumbnail")
    width = serializers.IntegerField()
    height = serializers.IntegerField()


# Reads a Point (SRID 4326).
class LocationSerializer(ShallowFields, serializers.Serializer):
    lat = serializers.FloatField(source="y")
    lon = serializers.FloatField(source="x")


# Declared inline: a serializer attribute named "fields" would shadow Serializer.fields.
ErrorDetailSerializer = inline_serializer(
    "ErrorDetail",
    fields={
        "code": serializers.CharField(),
        "message": serializers.CharField(),
        "fields": serializers.DictField(
            child=serializers.ListField(child=serializers.CharField()),
            required=False,
            help_text="each offending input (or `body`) with its messages",
        ),
    },
)


class ErrorSerializer(serializers.Serializer):
    error = ErrorDetailSerializer


# Reads an Address.
class AddressSerializer(serializers.Serializer):
    street = serializers.CharField()
    number = serializers.IntegerField()
    suffix = serializers.CharField(source="number_suffix", allow_blank=True)
    postcode = serializers.CharField()
    city = serializers.CharField()
    display = serializers.CharField(
        help_text='as written on an envelope: "Kerkstraat 4A, 1234 AB Stad"'
    )
