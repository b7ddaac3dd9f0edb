"""A naive DRF create of the same model, as the yardstick for the real intake.

What "just store the row" costs through the same server, middleware and database: a plain
ModelSerializer and CreateAPIView, no validation beyond the serializer, no events, no areas,
no classification, no routing. Only the model's required fields are filled. With a photo: the
upload written to disk as it came, with its Attachment row; nothing looks inside it.
"""

import secrets
import uuid
from typing import Any

from django.contrib.gis.geos import Point
from rest_framework import serializers
from rest_framework.generics import CreateAPIView
from rest_framework.permissions import AllowAny

from backend.reports import storage
from backend.reports.models import Attachment, Report


class BareReportSerializer(serializers.ModelSerializer):
    lat = serializers.FloatField(write_only=True)
    lon = serializers.FloatField(write_only=True)

    class Meta:
        model = Report
        fields = ["id", "text", "lat", "lon", "status", "created_at"]
        read_only_fields = ["id", "status", "created_at"]

    def create(self, validated_data: dict[str, Any]) -> Report:
        lat = validated_data.pop("lat")
        lon = validated_data.pop("lon")
        validated_data["location"] = Point(lon, lat, srid=4326)
        # Required and unique; random is all a naive create would do.
        validated_data["tracking_token_hash"] = secrets.token_hex(32)
        validated_data["short_id"] = f"B-{secrets.token_hex(6)}"
        return super().create(validated_data)


class BareReportCreateView(CreateAPIView):
    queryset = Report.objects.all()
    serializer_class = BareReportSerializer
    permission_classes = [AllowAny]
    authentication_classes: list = []


class BarePhotoReportSerializer(BareReportSerializer):
    photo = serializers.FileField(write_only=True)

    class Meta(BareReportSerializer.Meta):
        fields = [*BareReportSerializer.Meta.fields, "photo"]

    def create(self, validated_data: dict[str, Any]) -> Report:
        photo = validated_data.pop("photo")
        report = super().create(validated_data)
        attachment_id = uuid.uuid4()
        relative = f"bench/{report.id}/{attachment_id}"
        target = storage.private_path(relative)
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(target, "wb") as out:
            for chunk in photo.chunks():
                out.write(chunk)
        Attachment.objects.create(
            id=attachment_id,
            report=report,
            original_path=relative,
            original_mime_type=photo.content_type or "application/octet-stream",
            original_size=photo.size,
        )
        return report


class BarePhotoReportCreateView(CreateAPIView):
    queryset = Report.objects.all()
    serializer_class = BarePhotoReportSerializer
    permission_classes = [AllowAny]
    authentication_classes: list = []
