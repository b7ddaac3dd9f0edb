import math

from drf_spectacular.utils import inline_serializer
from rest_framework import serializers


class FiniteFloatField(serializers.FloatField):
    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if not math.isfinite(value):
            raise serializers.ValidationError("A finite number is required.")
        return value


class CategoryRefSerializer(serializers.Serializer):
    slug = serializers.CharField(help_text='"main/sub" slug')
    main = serializers.CharField()
    name_nl = serializers.CharField()
    name_en = serializers.CharField()


class PhotoSerializer(serializers.Serializer):
    url = serializers.URLField()
    thumbnail_url = serializers.URLField()
    width = serializers.IntegerField()
    height = serializers.IntegerField()


class LocationSerializer(serializers.Serializer):
    lat = serializers.FloatField()
    lon = serializers.FloatField()


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
