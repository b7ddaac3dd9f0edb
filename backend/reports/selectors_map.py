"""The dispatchers' map of what the list's filters select: points at street zoom, grid clusters
below it, from the overviews' cells where they can answer (selectors_cells)."""

import math
import uuid
from dataclasses import dataclass, replace

from django.db import connection
from django.db.models import (
    F,
    FloatField,
    Func,
    Q,
    QuerySet,
    Value,
)

from .map_grid import MAP_CELL_DEGREES, MAP_CELL_ZOOM, STREET_ZOOM, cell_degrees
from .models import MapCell, Report
from .search import ReportFilters, ReportScope, bbox_polygon, reports_filtered
from .selectors_cells import cell_where, cells_answer

MAP_POINTS_MAX = 2000


@dataclass(frozen=True)
class MapPoint:
    lon: float
    lat: float
    count: int
    id: uuid.UUID | None = None  # a single report's (street zoom)
    status: str = ""
    category: str = ""

    @property
    def coordinates(self) -> list[float]:
        return [self.lon, self.lat]


# A grid cell's reports: how many, and their longitudes and latitudes summed.
_Sums = dict[tuple[int, int], tuple[int, float, float]]


def reports_map(qs: QuerySet[Report], *, zoom: int) -> tuple[list[MapPoint], bool]:
    """The reports of `qs` as points (street zoom) or grid clusters (below), and whether the
    points were cut off at MAP_POINTS_MAX.

    Clusters are a grid on the server (what ST_SnapToGrid does, written as integer cells so
    no geometry is built per row): one hash aggregate over the index-selected rows, and a
    cell stays where it is when the map pans, so the counts do not jump about.
    ST_ClusterDBSCAN is a window function that sorts and links every point in view, and its
    clusters move with the bbox.
    """
    if zoom >= STREET_ZOOM:
        rows = list(
            qs.order_by("-created_at").values_list("id", "location", "status", "category__path")[
                : MAP_POINTS_MAX + 1
            ]
        )
        points = [
            MapPoint(lon=loc.x, lat=loc.y, count=1, id=rid, status=status, category=path or "")
            for rid, loc, status, path in rows[:MAP_POINTS_MAX]
        ]
        return points, len(rows) > MAP_POINTS_MAX
    return _clusters(_report_sums(qs, zoom)), False


def _report_sums(qs: QuerySet[Report], zoom: int) -> _Sums:
    cell = cell_degrees(zoom)
    inner, params = qs.order_by().values("location").query.sql_with_params()
    sql = f"""
        SELECT floor(ST_X(location) / %s)::bigint, floor(ST_Y(location) / %s)::bigint,
               count(*), sum(ST_X(location)), sum(ST_Y(location))
        FROM ({inner}) AS shown
        GROUP BY 1, 2
    """  # noqa: S608  (Django's own compiled SQL; every value a parameter)
    with connection.cursor() as cursor:
        cursor.execute(sql, [cell, cell, *params])
        return {(x, y): (n, sx, sy) for x, y, n, sx, sy in cursor.fetchall()}


def _clusters(sums: _Sums) -> list[MapPoint]:
    return [MapPoint(lon=sx / n, lat=sy / n, count=n) for n, sx, sy in sums.values()]


def reports_map_for(
    filters: ReportFilters, *, scope: ReportScope, zoom: int
) -> tuple[list[MapPoint], bool]:
    """The map of what `filters` select for `scope`.

    At city zoom, for a filter of status, category and department, the cells beat keeps
    (services/overview_cells.py) count the reports in the cells that lie wholly inside the bbox;
    the reports in the cells its edges cut through are counted themselves (a band along the
    edges, found by the spatial index). So the clusters are those of reports_map, as of the
    cells' last rebuild. Any other map is reports_map's."""
    if zoom > MAP_CELL_ZOOM or not cells_answer(filters):
        return reports_map(reports_filtered(filters, scope=scope), zoom=zoom)
    if filters.bbox is None:
        return _clusters(_cell_sums(filters, scope, zoom, None)), False
    inside = _inner_cells(filters.bbox)
    if inside is None:  # a bbox narrower than a cell: the reports are few
        return reports_map(reports_filtered(filters, scope=scope), zoom=zoom)
    sums = _cell_sums(filters, scope, zoom, inside)
    for key, (n, sx, sy) in _edge_sums(filters, scope, zoom, inside).items():
        m, tx, ty = sums.get(key, (0, 0.0, 0.0))
        sums[key] = (m + n, tx + sx, ty + sy)
    return _clusters(sums), False


_CellRange = tuple[int, int, int, int]  # x from, x to, y from, y to


def _inner_cells(bbox: tuple[float, float, float, float]) -> _CellRange | None:
    """The cells wholly inside `bbox` (a cell x spans [x * D, (x + 1) * D)); None when no
    cell is."""
    min_lon, min_lat, max_lon, max_lat = bbox
    x0, y0 = math.ceil(min_lon / MAP_CELL_DEGREES), math.ceil(min_lat / MAP_CELL_DEGREES)
    x1 = math.floor(max_lon / MAP_CELL_DEGREES) - 1
    y1 = math.floor(max_lat / MAP_CELL_DEGREES) - 1
    return (x0, x1, y0, y1) if x0 <= x1 and y0 <= y1 else None


def _cell_sums(
    filters: ReportFilters, scope: ReportScope, zoom: int, inside: _CellRange | None
) -> _Sums:
    """The kept cells' totals per zoom-`zoom` cell: of the cells `inside`, or of all."""
    cells = MapCell.objects.filter(**cell_where(filters, scope))
    if inside is not None:
        x0, x1, y0, y1 = inside
        cells = cells.filter(x__gte=x0, x__lte=x1, y__gte=y0, y__lte=y1)
    inner, params = cells.values("x", "y", "n", "sum_lon", "sum_lat").query.sql_with_params()
    # Integer cells nest: a zoom-z cell holds 2 ** (MAP_CELL_ZOOM - z) of the kept cells across.
    across = 2 ** (MAP_CELL_ZOOM - zoom)
    sql = f"""
        SELECT floor(x::float8 / %s)::bigint, floor(y::float8 / %s)::bigint,
               sum(n), sum(sum_lon), sum(sum_lat)
        FROM ({inner}) AS shown
        GROUP BY 1, 2
    """  # noqa: S608  (Django's own compiled SQL; every value a parameter)
    with connection.cursor() as cursor:
        cursor.execute(sql, [across, across, *params])
        return {(x, y): (int(n), sx, sy) for x, y, n, sx, sy in cursor.fetchall()}


def _edge_sums(filters: ReportFilters, scope: ReportScope, zoom: int, inside: _CellRange) -> _Sums:
    """The reports in the bbox outside the inner cells, counted themselves."""
    assert filters.bbox is not None
    min_lon, min_lat, max_lon, max_lat = filters.bbox
    x0, x1, y0, y1 = inside
    left, right = x0 * MAP_CELL_DEGREES, (x1 + 1) * MAP_CELL_DEGREES
    bottom, top = y0 * MAP_CELL_DEGREES, (y1 + 1) * MAP_CELL_DEGREES
    # Four strips the spatial index finds; a report on a strip's inner edge lies in an inner
    # cell and is left to the cells by its cell number.
    strips = [
        (min_lon, min_lat, left, max_lat),
        (right, min_lat, max_lon, max_lat),
        (left, min_lat, right, bottom),
        (left, top, right, max_lat),
    ]
    along = Q()
    for strip in strips:
        along |= Q(location__bboverlaps=bbox_polygon(strip))
    lon = Func(F("location"), function="ST_X", output_field=FloatField())
    lat = Func(F("location"), function="ST_Y", output_field=FloatField())
    qs = (
        reports_filtered(replace(filters, bbox=None), scope=scope)
        .filter(along, location__bboverlaps=bbox_polygon(filters.bbox))
        .alias(
            _cx=Func(lon / Value(MAP_CELL_DEGREES), function="floor", output_field=FloatField()),
            _cy=Func(lat / Value(MAP_CELL_DEGREES), function="floor", output_field=FloatField()),
        )
        .exclude(_cx__gte=x0, _cx__lte=x1, _cy__gte=y0, _cy__lte=y1)
    )
    return _report_sums(qs, zoom)
