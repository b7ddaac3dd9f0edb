"""Fields and output shapes several APIs share.

Output serializers read the domain objects themselves (a Report, an Attachment, a Point), or
a small typed object from a `representations` module where a response adds to them, so the
body sent is the one the schema declares. (No docstrings on serializers: drf-spectacular
publishes them as the schema's descriptions.)
"""

import copy
import math
from functools import cached_property
from typing import Any

from drf_spectacular.utils import inline_serializer
from rest_framework import serializers

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


class FiniteFloatField(serializers.FloatField):
    def to_internal_value(self, data):
        # DRF takes JSON's false for 0.0: a client's mistake, never a coordinate.
        if isinstance(data, bool):
            self.fail("invalid")
        value = super().to_internal_value(data)
        if not math.isfinite(value):
            raise serializers.ValidationError("A finite number is required.")
        return value


class StrictCharField(serializers.CharField):
    # DRF's CharField takes a JSON number for a string (0 becomes "0"); the schema says string.
    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


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
