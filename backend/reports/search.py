"""The dispatchers' questions over every report: filter, search, page, map, count, export.

One filter set (`ReportFilters`) serves the list, the map, the statistics, the export, the
bulk actions and the saved work queues, so a queue shows in the map what it shows in the
list. Values arrive resolved (a Category, an Area, ...): the transport validated them.

Full text is PostgreSQL's own: the report's text indexed under the Dutch and the English
configuration (one expression GIN index, migration 0011), the staff's notes likewise on their
own table; a search asks both and takes the union of the ids, so each side uses its index.
"""

import json
import re
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from math import cos, radians
from typing import Any

from django.conf import settings
from django.contrib.gis.geos import Polygon
from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.module_loading import import_string

from backend.geo.models import Area
from backend.organisations.models import Contractor
from backend.taxonomy.models import Category, Department

from .models import Attachment, Report

# The indexed expressions (migration 0011 creates the indexes on exactly these): a query
# must repeat them verbatim for PostgreSQL to use the index.
REPORT_TEXT_VECTOR = (
    "(to_tsvector('dutch'::regconfig, {t}.text) || to_tsvector('english'::regconfig, {t}.text))"
)
# A human id as the data helper's short ids are written: M-2026-000123.
_SHORT_ID = re.compile(r"^[Mm]-\d{4}-\d{1,9}$")
# Words only: what is left is safe inside a tsquery, and ":*" makes each a prefix.
_WORD = re.compile(r"[^\W_]+")
MAX_SEARCH_WORDS = 8


class Punctuality:
    ON_TIME = "on_time"
    OVERDUE = "overdue"
    # Later than its deadline by more than three times the time it was given.
    FAR_OVERDUE = "far_overdue"
    CHOICES = (ON_TIME, OVERDUE, FAR_OVERDUE)


@dataclass(frozen=True)
class Near:
    lat: float
    lon: float
    radius_m: float


@dataclass(frozen=True)
class ReportFilters:
    statuses: Sequence[str] = ()
    category: Category | None = None  # a main category stands for all its subs
    department: Department | None = None
    contractor: Contractor | None = None
    area: Area | None = None
    priorities: Sequence[str] = ()
    sources: Sequence[str] = ()
    needs_triage: bool | None = None
    punctuality: str | None = None
    created_after: datetime | None = None
    created_before: datetime | None = None
    updated_after: datetime | None = None
    updated_before: datetime | None = None
    has_photos: bool | None = None
    unsatisfied_feedback: bool | None = None
    q: str = ""
    bbox: tuple[float, float, float, float] | None = None  # min lon, min lat, max lon, max lat
    near: Near | None = None


@dataclass(frozen=True)
class ReportScope:
    """What a staff user may see: every report, or one department's."""

    department_id: int | None = None

    def visible(self, qs: QuerySet[Report]) -> QuerySet[Report]:
        if self.department_id is None:
            return qs
        return qs.filter(department_id=self.department_id)


EVERYTHING = ReportScope()


def _text_search(q: str) -> Q | None:
    """Reports whose text or a note matches every word of `q` as a prefix (Dutch or English
    stemming), or whose short id is `q`. None when `q` holds nothing to search for."""
    words = _WORD.findall(q.lower())[:MAX_SEARCH_WORDS]
    parts: list[str] = []
    params: list[Any] = []
    if words:
        query = " && ".join(
            "(to_tsquery('dutch'::regconfig, %s) || to_tsquery('english'::regconfig, %s))"
            for _ in words
        )
        for word in words:
            params += [f"{word}:*", f"{word}:*"]
        parts.append(
            f"SELECT r.id FROM reports_report r WHERE {REPORT_TEXT_VECTOR.format(t='r')} "  # noqa: S608
            f"@@ ({query})"
        )
        parts.append(
            f"SELECT n.report_id FROM reports_note n WHERE {REPORT_TEXT_VECTOR.format(t='n')} "  # noqa: S608
            f"@@ ({query})"
        )
        params = params + params
    if _SHORT_ID.match(q.strip()) and hasattr(Report, "short_id"):
        parts.append("SELECT r.id FROM reports_report r WHERE r.short_id = %s")
        params.append(q.strip().upper())
    if not parts:
        return None
    # Module constants and placeholders only; every value is a parameter.
    return Q(pk__in=RawSQL(" UNION ".join(parts), params))  # noqa: S611


def _near(near: Near) -> Q:
    # The degree box lets the GIST index make the first cut; the distance on the sphere
    # decides (within 10 km it differs from the spheroid's by metres at most).
    dlat = near.radius_m / 111_320
    dlon = near.radius_m / (111_320 * max(cos(radians(near.lat)), 0.01))
    box = Polygon.from_bbox((near.lon - dlon, near.lat - dlat, near.lon + dlon, near.lat + dlat))
    box.srid = 4326
    within = RawSQL(
        "ST_DWithin(reports_report.location::geography, "
        "ST_SetSRID(ST_MakePoint(%s, %s), 4326)::geography, %s, false)",
        [near.lon, near.lat, near.radius_m],
        output_field=BooleanField(),
    )
    return Q(location__bboverlaps=box) & Q(within)


def bbox_polygon(bbox: tuple[float, float, float, float]) -> Polygon:
    polygon = Polygon.from_bbox(bbox)
    polygon.srid = 4326
    return polygon


def reports_filtered(
    filters: ReportFilters, *, scope: ReportScope = EVERYTHING, now: datetime | None = None
) -> QuerySet[Report]:
    """Every report matching `filters` that `scope` lets one see (unordered)."""
    qs = scope.visible(Report.objects.all())
    f = filters
    if f.statuses:
        qs = qs.filter(status__in=list(f.statuses))
    if f.category is not None:
        if f.category.parent_id is None:
            qs = qs.filter(Q(category__parent_id=f.category.pk) | Q(category_id=f.category.pk))
        else:
            qs = qs.filter(category_id=f.category.pk)
    if f.department is not None:
        qs = qs.filter(department_id=f.department.pk)
    if f.contractor is not None:
        qs = qs.filter(contractor_id=f.contractor.pk)
    if f.area is not None:
        links = Report.areas.through.objects.filter(report_id=OuterRef("pk"), area_id=f.area.pk)
        qs = qs.filter(Exists(links))
    if f.priorities:
        qs = qs.filter(priority__in=list(f.priorities))
    if f.sources:
        qs = qs.filter(source__in=list(f.sources))
    if f.needs_triage is not None:
        qs = qs.filter(needs_triage=f.needs_triage)
    if f.punctuality:
        qs = _punctuality(qs, f.punctuality, now or timezone.now())
    if f.created_after is not None:
        qs = qs.filter(created_at__gte=f.created_after)
    if f.created_before is not None:
        qs = qs.filter(created_at__lt=f.created_before)
    if f.updated_after is not None:
        qs = qs.filter(updated_at__gte=f.updated_after)
    if f.updated_before is not None:
        qs = qs.filter(updated_at__lt=f.updated_before)
    if f.has_photos is not None:
        photos = Exists(Attachment.objects.filter(report_id=OuterRef("pk")))
        qs = qs.filter(photos if f.has_photos else ~photos)
    if f.unsatisfied_feedback is not None:
        # Feedback is the notifications app's, a layer above: it hands over its subquery.
        unsatisfied = import_string(settings.REPORTS_WITH_UNSATISFIED_FEEDBACK)()
        qs = qs.filter(Q(pk__in=unsatisfied) if f.unsatisfied_feedback else ~Q(pk__in=unsatisfied))
    if f.q:
        search = _text_search(f.q)
        qs = qs.filter(search) if search is not None else qs.none()
    if f.bbox is not None:
        qs = qs.filter(location__bboverlaps=bbox_polygon(f.bbox))
    if f.near is not None:
        qs = qs.filter(_near(f.near))
    return qs


def _punctuality(qs: QuerySet[Report], punctuality: str, now: datetime) -> QuerySet[Report]:
    qs = qs.alias(_ended=Coalesce(F("closed_at"), Value(now)))
    if punctuality == Punctuality.ON_TIME:
        return qs.filter(Q(deadline__isnull=True) | Q(deadline__gte=F("_ended")))
    qs = qs.filter(deadline__lt=F("_ended"))
    if punctuality == Punctuality.FAR_OVERDUE:
        qs = qs.alias(
            _late=ExpressionWrapper(F("_ended") - F("deadline"), output_field=DurationField()),
            _given=ExpressionWrapper(
                (F("deadline") - F("created_at")) * 3, output_field=DurationField()
            ),
        ).filter(_late__gt=F("_given"))
    return qs


# --- ordering and keyset pages ---------------------------------------------------------

# A deadline-less report sorts after every dated one, both ways round.
_NO_DEADLINE = datetime(9999, 1, 1, tzinfo=UTC)
ORDERINGS = ("created", "updated", "deadline", "priority")


def _sort_key(name: str) -> Any:
    if name == "created":
        return F("created_at")
    if name == "updated":
        return F("updated_at")
    if name == "deadline":
        return Coalesce(F("deadline"), Value(_NO_DEADLINE))
    return Case(
        When(priority=Report.Priority.HIGH, then=Value(3)),
        When(priority=Report.Priority.NORMAL, then=Value(2)),
        default=Value(1),
        output_field=IntegerField(),
    )


@dataclass(frozen=True)
class PagePosition:
    """Where a page starts: after (or before) the row with this sort value and id."""

    value: Any
    id: uuid.UUID
    backwards: bool = False


@dataclass
class ReportsPage:
    results: list[Report]
    more_after: bool  # a next page exists
    more_before: bool  # a previous page exists
    keys: list[Any] = field(default_factory=list)  # each result's sort value, for cursors


def reports_page(
    qs: QuerySet[Report], *, ordering: str, size: int, position: PagePosition | None
) -> ReportsPage:
    """One page by keyset: the query costs the same on page 1 and page 10,000."""
    descending = ordering.startswith("-")
    name = ordering.lstrip("-")
    qs = qs.annotate(_key=_sort_key(name))
    forwards = position is None or not position.backwards
    ascending = descending != forwards  # reading backwards reverses the order
    if position is not None:
        later = Q(_key__gt=position.value) | Q(_key=position.value, pk__gt=position.id)
        earlier = Q(_key__lt=position.value) | Q(_key=position.value, pk__lt=position.id)
        qs = qs.filter(later if ascending else earlier)
    order = ("_key", "pk") if ascending else ("-_key", "-pk")
    rows = list(qs.order_by(*order)[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    if not forwards:
        rows.reverse()
    return ReportsPage(
        results=rows,
        more_after=more if forwards else True,
        more_before=(position is not None) if forwards else more,
        keys=[row._key for row in rows],  # type: ignore[attr-defined]
    )


# Up to this many an exact count is cheap (an index-only walk); beyond it the planner's
# estimate answers, flagged as one.
EXACT_COUNT_LIMIT = 10_000


@dataclass(frozen=True)
class ReportCount:
    value: int
    estimate: bool


def reports_count(qs: QuerySet[Report]) -> ReportCount:
    exact = qs.order_by()[: EXACT_COUNT_LIMIT + 1].count()
    if exact <= EXACT_COUNT_LIMIT:
        return ReportCount(exact, estimate=False)
    plan = json.loads(qs.order_by().only("pk").explain(format="json"))
    rows = int(plan[0]["Plan"]["Plan Rows"])
    return ReportCount(max(rows, exact), estimate=True)


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
    """Counts in one pass over the rows (GROUPING SETS), then the handling times."""
    inner, params = (
        qs.order_by()
        .values("id", "status", "category_id", "department_id", "created_at", "closed_at")
        .annotate(_deadline=F("deadline"))
        .query.sql_with_params()
    )
    counts_sql = f"""
        SELECT GROUPING(status, category_id, department_id, week) AS g,
               status, category_id, department_id, week, count(*)
        FROM (SELECT *, date_trunc('week', created_at AT TIME ZONE %s) AS week
              FROM ({inner}) AS picked) AS shown
        GROUP BY GROUPING SETS ((status), (category_id), (department_id), (week), ())
    """  # noqa: S608
    times_sql = f"""
        SELECT percentile_cont(0.5) WITHIN GROUP (
                   ORDER BY extract(epoch FROM closed_at - created_at)),
               avg(CASE WHEN closed_at <= _deadline THEN 1.0 ELSE 0.0 END)
                   FILTER (WHERE _deadline IS NOT NULL)
        FROM ({inner}) AS shown WHERE closed_at IS NOT NULL
    """  # noqa: S608
    areas_sql = f"""
        SELECT a.code, count(*)
        FROM ({qs.order_by().values("id").query.sql_with_params()[0]}) AS shown
        JOIN reports_report_areas ra ON ra.report_id = shown.id
        JOIN geo_area a ON a.id = ra.area_id AND a.type = %s
        GROUP BY a.code
    """  # noqa: S608
    area_params = [*qs.order_by().values("id").query.sql_with_params()[1], area_type]
    by: dict[str, dict[str, int]] = {"status": {}, "category": {}, "department": {}, "week": {}}
    total = 0
    categories = dict(Category.objects.values_list("id", "path"))
    departments = dict(Department.objects.values_list("id", "code"))
    with connection.cursor() as cursor:
        cursor.execute(counts_sql, [settings.TIME_ZONE, *params])
        for g, status, category_id, department_id, week, n in cursor.fetchall():
            # GROUPING's bits, left to right: status, category, department, week (1 = rolled up).
            if g == 0b0111:
                by["status"][status] = n
            elif g == 0b1011:
                by["category"][categories.get(category_id, "") if category_id else ""] = n
            elif g == 0b1101:
                key = departments.get(department_id, "") if department_id else ""
                by["department"][key] = n
            elif g == 0b1110:
                by["week"][week.date().isoformat()] = n
            else:
                total = n
        cursor.execute(times_sql, params)
        median, on_time = cursor.fetchone()
        cursor.execute(areas_sql, area_params)
        by_area = dict(cursor.fetchall())
    return ReportStats(
        total=total,
        by_status=by["status"],
        by_category=by["category"],
        by_department=by["department"],
        by_area=by_area,
        by_week=dict(sorted(by["week"].items())),
        median_handling_hours=None if median is None else round(median / 3600, 2),
        on_time_share=None if on_time is None else round(float(on_time), 4),
    )


# --- export ----------------------------------------------------------------------------

EXPORT_COLUMNS = (
    "id",
    "created_at",
    "status",
    "category__path",
    "priority",
    "department__code",
    "contractor__code",
    "deadline",
    "closed_at",
    "source",
    "location",
    "text",
)
CONTACT_COLUMNS = ("reporter_email", "reporter_phone")


def reports_export_rows(
    qs: QuerySet[Report], *, columns: Sequence[str], chunk: int = 5000
) -> Iterator[tuple[Any, ...]]:
    """The rows of `qs` as tuples, oldest first, read through a server-side cursor in chunks
    of `chunk`: memory stays flat however many there are."""
    return qs.order_by("created_at", "pk").values_list(*columns).iterator(chunk_size=chunk)
