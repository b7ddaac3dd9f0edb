from dataclasses import dataclass

import redis
from django.conf import settings
from django.db import connection
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from frontend_api.common.permissions import Anyone


@dataclass(frozen=True)
class Health:
    database: str  # "ok", or "error: <exception class>"
    redis: str

    @property
    def status(self) -> str:
        return "ok" if self.healthy else "degraded"

    @property
    def healthy(self) -> bool:
        return self.database == "ok" and self.redis == "ok"


class HealthSerializer(serializers.Serializer):
    status = serializers.CharField()
    database = serializers.CharField()
    redis = serializers.CharField()


class HealthView(APIView):
    """Liveness and readiness in one: the database and Redis both answer."""

    permission_classes = [Anyone]
    authentication_classes: list = []

    @extend_schema(
        operation_id="health",
        responses={
            200: HealthSerializer,
            503: OpenApiResponse(HealthSerializer, description="The database or Redis is down."),
        },
        tags=["health"],
    )
    def get(self, request: Request) -> Response:
        health = Health(database=_database(), redis=_redis())
        return Response(HealthSerializer(health).data, status=200 if health.healthy else 503)


def _database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as exc:  # any failure means "not ready"
        return f"error: {exc.__class__.__name__}"
    return "ok"


def _redis() -> str:
    try:
        redis.Redis.from_url(settings.REDIS_URL, socket_timeout=1).ping()
    except Exception as exc:
        return f"error: {exc.__class__.__name__}"
    return "ok"
