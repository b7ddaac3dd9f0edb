"""The map and the statistics: the list's filters, answered as points or counts."""

from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from backend.reports.selectors_map import STREET_ZOOM, reports_map_for
from backend.reports.selectors_overview import reports_stats_for
from frontend_api.common.replica_views import reads_from_replica
from frontend_api.common.serializers import ErrorSerializer

from .filters import ReportFilterSerializer, bbox_value, report_filters
from .representations import MapAnswer
from .views import StaffView, scope_of

_ERRORS = {
    400: OpenApiResponse(ErrorSerializer, description="Invalid input; `fields` names each field."),
    401: ErrorSerializer,
    403: ErrorSerializer,
}


class MapQuerySerializer(ReportFilterSerializer):
    bbox = serializers.CharField(help_text="minlon,minlat,maxlon,maxlat (required)")
    zoom = serializers.IntegerField(
        min_value=0,
        max_value=22,
        help_text=f"the map's zoom level; below {STREET_ZOOM} reports come clustered",
    )

    def validate_bbox(self, value: str) -> tuple[float, float, float, float]:
        return bbox_value(value)


@extend_schema_field(OpenApiTypes.STR)
class _Constant(serializers.Field):
    def __init__(self, value: str, **kwargs) -> None:
        self.value = value
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, _value) -> str:
        return self.value


# Reads a MapPoint.
class MapGeometrySerializer(serializers.Serializer):
    type = _Constant("Point")
    coordinates = serializers.ListField(child=serializers.FloatField(), help_text="[lon, lat]")


# Reads a MapPoint.
class MapPropertiesSerializer(serializers.Serializer):
    count = serializers.IntegerField(help_text="reports in this cluster; 1 for a report")
    id = serializers.UUIDField(allow_null=True, help_text="the report's (not on clusters)")
    status = serializers.CharField(allow_blank=True)
    category = serializers.CharField(allow_blank=True, help_text='"main/sub"')


# Reads a MapPoint.
class MapFeatureSerializer(serializers.Serializer):
    type = _Constant("Feature")
    geometry = MapGeometrySerializer(source="*")
    properties = MapPropertiesSerializer(source="*")


# Reads a MapAnswer.
class MapSerializer(serializers.Serializer):
    type = serializers.CharField()
    features = MapFeatureSerializer(many=True)
    clustered = serializers.BooleanField(help_text="true: features are grid cells with a count")
    truncated = serializers.BooleanField(
        help_text="true: more reports than the map shows at this zoom; zoom in"
    )


class ReportMapView(StaffView):
    @extend_schema(
        operation_id="staff_reports_map",
        parameters=[MapQuerySerializer],
        responses={200: MapSerializer, **_ERRORS},
        tags=["staff"],
    )
    @reads_from_replica
    def get(self, request: Request) -> Response:
        """The reports in a bbox as GeoJSON; below street zoom, counted per grid cell."""
        query = MapQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        zoom = params["zoom"]
        points, truncated = reports_map_for(
            report_filters(params), scope=scope_of(request), zoom=zoom
        )
        body = MapAnswer(features=points, clustered=zoom < STREET_ZOOM, truncated=truncated)
        return Response(MapSerializer(body).data)


# Reads a ReportStats.
class StatsSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    by_status = serializers.DictField(child=serializers.IntegerField())
    by_category = serializers.DictField(
        child=serializers.IntegerField(), help_text='"main/sub" -> count ("" without one)'
    )
    by_department = serializers.DictField(child=serializers.IntegerField())
    by_area = serializers.DictField(
        child=serializers.IntegerField(), help_text="area code (of STATS_AREA_TYPE) -> count"
    )
    by_week = serializers.DictField(
        child=serializers.IntegerField(), help_text="the Monday a week starts on -> reports made"
    )
    median_handling_hours = serializers.FloatField(
        allow_null=True, help_text="creation to closing, of the closed ones"
    )
    on_time_share = serializers.FloatField(
        allow_null=True, help_text="of the closed reports with a deadline: closed by it (0-1)"
    )


class StatsView(StaffView):
    @extend_schema(
        operation_id="staff_stats",
        parameters=[ReportFilterSerializer],
        responses={200: StatsSerializer, **_ERRORS},
        tags=["staff"],
    )
    @reads_from_replica
    def get(self, request: Request) -> Response:
        """Counts by status, category, department, area and week, the median handling time and
        the on-time share, of the reports the list's filters select."""
        query = ReportFilterSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        stats = reports_stats_for(
            report_filters(query.validated_data),
            scope=scope_of(request),
            area_type=settings.STATS_AREA_TYPE,
        )
        return Response(StatsSerializer(stats).data)
