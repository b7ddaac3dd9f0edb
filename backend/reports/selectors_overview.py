"""The dispatchers' overviews of what the list's filters select: the map, the statistics and
the CSV export's rows. Each takes the filtered queryset from `search.reports_filtered`."""

import math
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, fields, replace
from datetime import datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import (
    Case,
    CharField,
    DurationField,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, Concat
from django.utils import timezone

from backend.geo.models import Area
from backend.taxonomy.models import Category, Department

from .map_grid import MAP_CELL_DEGREES, MAP_CELL_ZOOM, STREET_ZOOM, cell_degrees
from .models import AreaCell, MapCell, OverviewCellsBuilt, Report, StatsCell
from .search import ReportFilters, ReportScope, bbox_polygon, reports_filtered

# --- the map ---------------------------------------------------------------------------

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


def _unset(value: Any) -> bool:
    return value is None or (isinstance(value, str | tuple | list) and not value)


def _cells_answer(filters: ReportFilters, *, days: bool = False) -> bool:
    """Whether the overviews' cells can answer: a filter of status, category and department
    (and the bbox, for the map; with `days`, a range of whole days of the municipality's) alone,
    and cells rebuilt lately."""
    rest = replace(filters, statuses=(), category=None, department=None, bbox=None)
    if days and all(_whole_day(t) for t in (rest.created_after, rest.created_before)):
        rest = replace(rest, created_after=None, created_before=None)
    if settings.OVERVIEW_CELLS_SECONDS <= 0:
        return False
    if not all(_unset(getattr(rest, f.name)) for f in fields(rest)):
        return False
    stale = timezone.now() - timedelta(seconds=3 * settings.OVERVIEW_CELLS_SECONDS)
    return OverviewCellsBuilt.objects.filter(pk=1, built_at__gt=stale).exists()


def _whole_day(moment: datetime | None) -> bool:
    return moment is None or timezone.localtime(moment).time() == time(0)


def _cell_where(filters: ReportFilters, scope: ReportScope) -> dict[str, Any]:
    """The filter as the cells (and the reports) hold it: status, category and department."""
    where: dict[str, Any] = {}
    if filters.statuses:
        where["status__in"] = list(filters.statuses)
    if filters.category is not None:
        category = filters.category
        ids = [category.pk]
        if category.parent_id is None:
            ids += list(Category.objects.filter(parent=category).values_list("pk", flat=True))
        where["category_id__in"] = ids
    if filters.department is not None:
        where["department_id"] = filters.department.pk
    if scope.department_id is not None:
        asked = where.get("department_id", scope.department_id)
        # Another department's than the user's own: nothing (no department has id 0).
        where["department_id"] = scope.department_id if asked == scope.department_id else 0
    return where


def reports_map_for(
    filters: ReportFilters, *, scope: ReportScope, zoom: int
) -> tuple[list[MapPoint], bool]:
    """The map of what `filters` select for `scope`.

    At city zoom, for a filter of status, category and department, the cells beat keeps
    (services/overview_cells.py) count the reports in the cells that lie wholly inside the bbox;
    the reports in the cells its edges cut through are counted themselves (a band along the
    edges, found by the spatial index). So the clusters are those of reports_map, as of the
    cells' last rebuild. Any other map is reports_map's."""
    if zoom > MAP_CELL_ZOOM or not _cells_answer(filters):
        return reports_map(reports_filtered(filters, scope=scope), zoom=zoom)
    inside = _inner_cells(filters.bbox)
    if inside is None:  # a bbox narrower than a cell: the reports are few
        return reports_map(reports_filtered(filters, scope=scope), zoom=zoom)
    sums = _cell_sums(filters, scope, zoom, inside)
    if filters.bbox is not None:
        for key, (n, sx, sy) in _edge_sums(filters, scope, zoom, inside).items():
            m, tx, ty = sums.get(key, (0, 0.0, 0.0))
            sums[key] = (m + n, tx + sx, ty + sy)
    return _clusters(sums), False


_CellRange = tuple[int, int, int, int] | None  # x from, x to, y from, y to; None: every cell


def _inner_cells(
    bbox: tuple[float, float, float, float] | None,
) -> _CellRange | tuple[()] | None:
    """The cells wholly inside `bbox` (a cell x spans [x * D, (x + 1) * D)); () for no bbox,
    None when no cell is wholly inside."""
    if bbox is None:
        return ()
    min_lon, min_lat, max_lon, max_lat = bbox
    x0, y0 = math.ceil(min_lon / MAP_CELL_DEGREES), math.ceil(min_lat / MAP_CELL_DEGREES)
    x1 = math.floor(max_lon / MAP_CELL_DEGREES) - 1
    y1 = math.floor(max_lat / MAP_CELL_DEGREES) - 1
    return (x0, x1, y0, y1) if x0 <= x1 and y0 <= y1 else None


def _cell_sums(
    filters: ReportFilters, scope: ReportScope, zoom: int, inside: _CellRange | tuple[()]
) -> _Sums:
    cells = MapCell.objects.filter(**_cell_where(filters, scope))
    if inside:
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


def _edge_sums(
    filters: ReportFilters, scope: ReportScope, zoom: int, inside: _CellRange | tuple[()]
) -> _Sums:
    """The reports in the bbox outside the inner cells, counted themselves."""
    assert filters.bbox is not None and inside
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


# --- statistics ------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportStats:
    total: int
    by_status: dict[str, int]
    by_category: dict[str, int]
    by_department: dict[str, int]
    by_area: dict[str, int]
    by_week: dict[str, int]
    median_handling_hours: float | None
    on_time_share: float | None  # of the closed reports that had a deadline


class _Tally:
    """Counts by status, category, department and week, added up from grouped rows."""

    def __init__(self) -> None:
        self.by: dict[str, Counter[str]] = {
            key: Counter() for key in ("status", "category", "department", "week")
        }
        self.categories = dict(Category.objects.values_list("id", "path"))
        self.departments = dict(Department.objects.values_list("id", "code"))

    def count(self, key: str, value: str, n: int) -> None:
        self.by[key][value] += n

    def count_category(self, category_id: int | None, n: int) -> None:
        self.count("category", self.categories.get(category_id, "") if category_id else "", n)

    def count_department(self, department_id: int | None, n: int) -> None:
        name = self.departments.get(department_id, "") if department_id else ""
        self.count("department", name, n)

    def add(
        self, status: str, category_id: int | None, department_id: int | None, week: Any, n: int
    ) -> None:
        self.count("status", status, n)
        self.count_category(category_id, n)
        self.count_department(department_id, n)
        self.count("week", week.isoformat(), n)

    def stats(
        self, *, by_area: dict[str, int], median_seconds: float | None, on_time_share: float | None
    ) -> ReportStats:
        by = self.by
        return ReportStats(
            total=sum(by["status"].values()),
            by_status=dict(by["status"]),
            by_category=dict(by["category"]),
            by_department=dict(by["department"]),
            by_area=by_area,
            by_week=dict(sorted(by["week"].items())),
            median_handling_hours=(
                None if median_seconds is None else round(median_seconds / 3600, 2)
            ),
            on_time_share=None if on_time_share is None else round(on_time_share, 4),
        )


def reports_stats(qs: QuerySet[Report], *, area_type: str) -> ReportStats:
    """Counts in one pass over the rows, then the handling times, then the areas.

    The pass groups by all four keys at once (one hash aggregate: some tens of thousands of
    groups at a million reports) and Python adds the groups up per key; GROUPING SETS sorted
    and hashed the rows once per set, several times slower."""
    inner, params = (
        qs.order_by()
        .values("id", "status", "category_id", "department_id", "created_at", "closed_at")
        .annotate(_deadline=F("deadline"))
        .query.sql_with_params()
    )
    counts_sql = f"""
        SELECT status, category_id, department_id,
               date_trunc('week', created_at AT TIME ZONE %s)::date, count(*)
        FROM ({inner}) AS shown
        GROUP BY 1, 2, 3, 4
    """  # noqa: S608
    times_sql = f"""
        SELECT percentile_cont(0.5) WITHIN GROUP (
                   ORDER BY extract(epoch FROM closed_at - created_at)),
               avg(CASE WHEN closed_at <= _deadline THEN 1.0 ELSE 0.0 END)
                   FILTER (WHERE _deadline IS NOT NULL)
        FROM ({inner}) AS shown WHERE closed_at IS NOT NULL
    """  # noqa: S608
    ids_sql, ids_params = qs.order_by().values("id").query.sql_with_params()
    # Unfiltered, every link counts: the area links' own index answers without the reports.
    picked = "" if not qs.query.where else f"WHERE ra.report_id IN ({ids_sql})"
    areas_sql = f"""
        SELECT a.code, count(*)
        FROM reports_report_areas ra
        JOIN geo_area a ON a.id = ra.area_id AND a.type = %s
        {picked}
        GROUP BY a.code
    """  # noqa: S608
    area_params = [area_type, *(ids_params if picked else ())]
    tally = _Tally()
    with connection.cursor() as cursor:
        cursor.execute(counts_sql, [settings.TIME_ZONE, *params])
        for status, category_id, department_id, week, n in cursor.fetchall():
            tally.add(status, category_id, department_id, week, n)
        cursor.execute(times_sql, params)
        median, on_time = cursor.fetchone()
        cursor.execute(areas_sql, area_params)
        by_area = dict(cursor.fetchall())
    return tally.stats(
        by_area=by_area,
        median_seconds=median,
        on_time_share=None if on_time is None else float(on_time),
    )


def reports_stats_for(filters: ReportFilters, *, scope: ReportScope, area_type: str) -> ReportStats:
    """The statistics of what `filters` select for `scope`: from the cells beat keeps where
    they can answer (services/overview_cells.py; as of their last rebuild), with the median
    read live from the handling time's index; else reports_stats over the reports."""
    if area_type != settings.STATS_AREA_TYPE or not _cells_answer(filters, days=True):
        return reports_stats(reports_filtered(filters, scope=scope), area_type=area_type)
    where = _cell_where(filters, scope)
    days: dict[str, Any] = {}
    made: dict[str, Any] = {}
    if filters.created_after is not None:
        days["day__gte"] = timezone.localdate(filters.created_after)
        made["created_at__gte"] = filters.created_after
    if filters.created_before is not None:
        days["day__lt"] = timezone.localdate(filters.created_before)
        made["created_at__lt"] = filters.created_before
    inner, params = (
        StatsCell.objects.filter(**where, **days)
        .values("status", "category_id", "department_id", "day", "n")
        .annotate(_with_deadline=F("closed_with_deadline"), _on_time=F("closed_on_time"))
        .query.sql_with_params()
    )
    # One pass over the cells, a total per key (GROUPING tells which key a row is the total of).
    sql = f"""
        SELECT GROUPING(status, category_id, department_id, day), status, category_id,
               department_id, day, sum(n), sum(_with_deadline), sum(_on_time)
        FROM ({inner}) AS shown
        GROUP BY GROUPING SETS ((status), (category_id), (department_id), (day), ())
    """  # noqa: S608  (Django's own compiled SQL; every value a parameter)
    tally = _Tally()
    closed_with_deadline = closed_on_time = 0
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for (
            grouping,
            status,
            category_id,
            department_id,
            day,
            n,
            with_deadline,
            on_time,
        ) in cursor.fetchall():
            if grouping == 0b0111:
                tally.count("status", status, n)
            elif grouping == 0b1011:
                tally.count_category(category_id, n)
            elif grouping == 0b1101:
                tally.count_department(department_id, n)
            elif grouping == 0b1110:
                tally.count("week", (day - timedelta(days=day.weekday())).isoformat(), n)
            else:
                closed_with_deadline, closed_on_time = with_deadline, on_time
    codes = dict(Area.objects.filter(type=area_type).values_list("id", "code"))
    by_area = {
        codes[area_id]: n
        for area_id, n in AreaCell.objects.filter(area_id__in=list(codes), **where, **days)
        .values("area_id")
        .annotate(total=Sum("n"))
        .values_list("area_id", "total")
    }
    return tally.stats(
        by_area=by_area,
        median_seconds=_median_handling_seconds({**where, **made}),
        on_time_share=closed_on_time / closed_with_deadline if closed_with_deadline else None,
    )


def _median_handling_seconds(where: dict[str, Any]) -> float | None:
    """The median of closed_at - created_at over the closed reports `where` selects, as
    percentile_cont(0.5) gives it, read from the middle of the handling time's index
    (migration 0019) instead of sorting every closed report."""
    closed = Report.objects.filter(closed_at__isnull=False, **where)
    n = closed.count()
    if not n:
        return None
    handling = ExpressionWrapper(F("closed_at") - F("created_at"), output_field=DurationField())
    middle = list(
        closed.annotate(_handling=handling)
        .order_by("_handling")
        .values_list("_handling", flat=True)[(n - 1) // 2 : (n - 1) // 2 + 2]
    )
    if n % 2 or len(middle) == 1:
        return middle[0].total_seconds()
    return (middle[0].total_seconds() + middle[1].total_seconds()) / 2


# --- export ----------------------------------------------------------------------------


def _utc_text(name: str) -> Func:
    # Written by the database, in the API's one form of a time (backend/common/times.py):
    # formatting a million datetimes in Python would cost more than reading them.
    return Func(
        F(name),
        template="to_char(%(expressions)s AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')",
        output_field=CharField(),
    )


# Column -> what it reads; in this order. A plain name is the report's own field.
EXPORT_COLUMNS: dict[str, Any] = {
    "id": "id",
    "short_id": "short_id",
    "created_at": _utc_text("created_at"),
    "status": "status",
    "category": "category__path",
    "priority": "priority",
    "source": "source",
    "department": "department__code",
    "contractor": "contractor__code",
    "deadline": _utc_text("deadline"),
    "closed_at": _utc_text("closed_at"),
    "lat": Func(F("location"), function="ST_Y", output_field=FloatField()),
    "lon": Func(F("location"), function="ST_X", output_field=FloatField()),
    # Street, number and suffix, postcode and city, as on an envelope (empty without one).
    "address": Case(
        When(address__isnull=True, then=Value("")),
        default=Concat(
            F("address__street"),
            Value(" "),
            Cast(F("address__number"), output_field=CharField()),
            F("address__number_suffix"),
            Value(", "),
            F("address__postcode"),
            Value(" "),
            F("address__city"),
            output_field=CharField(),
        ),
        output_field=CharField(),
    ),
    "text": "text",
}
CONTACT_COLUMNS: dict[str, Any] = {"email": "reporter_email", "phone": "reporter_phone"}


def reports_export_rows(
    qs: QuerySet[Report], *, columns: dict[str, Any], chunk: int = 5000
) -> Iterator[tuple[Any, ...]]:
    """The rows of `qs` as tuples of `columns`, oldest first, read through a server-side
    cursor `chunk` rows at a time: memory stays flat however many there are."""
    computed = {
        f"_x_{name}": value for name, value in columns.items() if not isinstance(value, str)
    }
    names = [value if isinstance(value, str) else f"_x_{name}" for name, value in columns.items()]
    return (
        qs.annotate(**computed)
        .order_by("created_at", "pk")
        .values_list(*names)
        .iterator(chunk_size=chunk)
    )
