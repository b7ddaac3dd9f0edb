"""The dispatchers' overviews of what the list's filters select: the map, the statistics and
the CSV export's rows. Each takes the filtered queryset from `search.reports_filtered`."""

import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import Case, CharField, F, FloatField, Func, QuerySet, Value, When
from django.db.models.functions import Cast, Concat

from backend.taxonomy.models import Category, Department

from .models import Report

# --- the map ---------------------------------------------------------------------------

# From this zoom on every report is its own point; below it they are counted per grid cell.
STREET_ZOOM = 16
MAP_POINTS_MAX = 2000
# A cell is about this many 256-pixel tiles' worth of pixels wide: 64 px.
_CELL_TILES = 0.25


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
    cell = 360.0 / (2**zoom) * _CELL_TILES
    inner, params = qs.order_by().values("location").query.sql_with_params()
    sql = f"""
        SELECT count(*), avg(ST_X(location)), avg(ST_Y(location))
        FROM ({inner}) AS shown
        GROUP BY floor(ST_X(location) / %s), floor(ST_Y(location) / %s)
    """  # noqa: S608  (Django's own compiled SQL; every value a parameter)
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, cell, cell])
        return [MapPoint(lon=x, lat=y, count=n) for n, x, y in cursor.fetchall()], False


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
    by: dict[str, Counter[str]] = {
        key: Counter() for key in ("status", "category", "department", "week")
    }
    categories = dict(Category.objects.values_list("id", "path"))
    departments = dict(Department.objects.values_list("id", "code"))
    with connection.cursor() as cursor:
        cursor.execute(counts_sql, [settings.TIME_ZONE, *params])
        for status, category_id, department_id, week, n in cursor.fetchall():
            by["status"][status] += n
            by["category"][categories.get(category_id, "") if category_id else ""] += n
            by["department"][departments.get(department_id, "") if department_id else ""] += n
            by["week"][week.isoformat()] += n
        cursor.execute(times_sql, params)
        median, on_time = cursor.fetchone()
        cursor.execute(areas_sql, area_params)
        by_area = dict(cursor.fetchall())
    return ReportStats(
        total=sum(by["status"].values()),
        by_status=dict(by["status"]),
        by_category=dict(by["category"]),
        by_department=dict(by["department"]),
        by_area=by_area,
        by_week=dict(sorted(by["week"].items())),
        median_handling_hours=None if median is None else round(median / 3600, 2),
        on_time_share=None if on_time is None else round(float(on_time), 4),
    )


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
