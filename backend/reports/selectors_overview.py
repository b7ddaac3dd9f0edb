"""The dispatchers' overviews of what the list's filters select: the statistics and the CSV
export's rows (the map is selectors_map's). Each takes the filtered queryset from
`search.reports_filtered`, or the filters where the overviews' cells can answer."""

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
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
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, Concat
from django.utils import timezone

from backend.geo.models import Area
from backend.taxonomy.models import Category, Department

from .models import AreaCell, Report, StatsCell
from .search import ReportFilters, ReportScope, reports_filtered
from .selectors_cells import cell_where, cells_answer

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
    if area_type != settings.STATS_AREA_TYPE or not cells_answer(filters, days=True):
        return reports_stats(reports_filtered(filters, scope=scope), area_type=area_type)
    where = cell_where(filters, scope)
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
