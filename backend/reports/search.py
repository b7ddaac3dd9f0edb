"""The dispatchers' questions over every report: filter, search, page, map, count, export.

One filter set (`ReportFilters`) serves the list, the map, the statistics, the export, the
bulk actions and the saved work queues, so a queue shows in the map what it shows in the
list. Values arrive resolved (a Category, an Area, ...): the transport validated them.

Full text is PostgreSQL's own: the report's text under the Dutch and the English configuration
as a stored vector with its GIN index (Report.search_vector, migration 0015), the staff's notes
by an expression index on their own table (0013); a search asks both and takes the union.
"""

import json
import math
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from math import cos, radians
from typing import Any

from django.conf import settings
from django.contrib.gis.geos import Polygon
from django.contrib.postgres.search import SearchQuery
from django.db.models import (
    BooleanField,
    Case,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
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

from .models import Attachment, Note, Report

# The notes' indexed expression (migration 0013 indexes exactly this, on the unqualified
# column, which a subquery's alias does not change): a query must repeat it verbatim.
NOTE_TEXT_VECTOR = (
    "(to_tsvector('dutch'::regconfig, text) || to_tsvector('english'::regconfig, text))"
)
# Up to this many matching notes, their reports' ids go into the statement as a list: the
# planner can then use the pkey beside the text's GIN index (a rare word), or hash the list
# while it walks the newest reports (a common one). More notes than that match a common word;
# their reports are a subquery, hashed once.
NOTE_MATCHES_LISTED = 2_000
# A human id as short ids are written (M-2026-000123): the unique index finds it.
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
    stemming), or whose short id is `q`. None when `q` holds nothing to search for.

    The report's own text is tested on its stored vector, so the planner can choose by the
    word's frequency (the column's statistics): a rare word through the GIN index, a common
    one by walking the newest reports until a page is full, testing each row's vector. The
    notes' matches are found first, by their own GIN index (NOTE_MATCHES_LISTED).
    """
    words = _WORD.findall(q.lower())[:MAX_SEARCH_WORDS]
    found = Q()
    if words:
        query = None
        for word in words:
            either = SearchQuery(f"{word}:*", search_type="raw", config="dutch") | SearchQuery(
                f"{word}:*", search_type="raw", config="english"
            )
            query = either if query is None else query & either
        tsquery = " && ".join(
            "(to_tsquery('dutch'::regconfig, %s) || to_tsquery('english'::regconfig, %s))"
            for _ in words
        )
        params = [f"{word}:*" for word in words for _ in range(2)]
        # Module constants and placeholders only; every value is a parameter.
        in_notes = Note.objects.filter(
            RawSQL(f"{NOTE_TEXT_VECTOR} @@ ({tsquery})", params, output_field=BooleanField())  # noqa: S611
        ).values_list("report_id", flat=True)
        listed = list(in_notes[: NOTE_MATCHES_LISTED + 1])
        from_notes = listed if len(listed) <= NOTE_MATCHES_LISTED else in_notes
        found = Q(search_vector=query) | Q(pk__in=from_notes)
    if _SHORT_ID.match(q.strip()):
        found |= Q(short_id=q.strip().upper())
    return found or None


# Metres per degree of latitude on PostGIS's sphere (its mean radius, 6,371,008.7714 m).
_METRES_PER_DEGREE = math.pi / 180 * 6_371_008.7714


def _near(near: Near, qs: QuerySet[Report]) -> QuerySet[Report]:
    """The reports within `near.radius_m` of the point. The degree box lets the GIST index
    make the first cut; the distance decides, on the sphere flattened around the middle
    latitude of each pair: within 10 km it differs from the great circle by millimetres, and
    it costs a few multiplications per row where a cast to geography built a new value."""
    dlat = near.radius_m / _METRES_PER_DEGREE
    dlon = dlat / max(cos(radians(near.lat)), 0.01)
    box = Polygon.from_bbox((near.lon - dlon, near.lat - dlat, near.lon + dlon, near.lat + dlat))
    box.srid = 4326
    lon = Func(F("location"), function="ST_X", output_field=FloatField())
    lat = Func(F("location"), function="ST_Y", output_field=FloatField())
    middle = Func(
        Func((lat + Value(near.lat)) / Value(2.0), function="radians", output_field=FloatField()),
        function="cos",
        output_field=FloatField(),
    )
    east = (lon - Value(near.lon)) * middle
    north = lat - Value(near.lat)
    return (
        qs.filter(location__bboverlaps=box)
        .alias(_near_d2=ExpressionWrapper(east * east + north * north, output_field=FloatField()))
        .filter(_near_d2__lte=dlat * dlat)
    )


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
        qs = _near(f.near, qs)
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
    # The page's ids first, from the filtered table alone; then its rows with what they show
    # (category, department, address, ...). Joined in one statement, a misestimated filter
    # (PostGIS's distance, a text search) had the planner join every match before the limit.
    found = list(qs.order_by(*order).values_list("pk", "_key")[: size + 1])
    more = len(found) > size
    found = found[:size]
    if not forwards:
        found.reverse()
    by_id = {row.pk: row for row in qs.filter(pk__in=[pk for pk, _ in found])} if found else {}
    return ReportsPage(
        results=[by_id[pk] for pk, _ in found if pk in by_id],
        more_after=more if forwards else True,
        more_before=(position is not None) if forwards else more,
        keys=[key for pk, key in found if pk in by_id],
    )


# Up to this many an exact count is cheap (an index-only walk); beyond it the planner's
# estimate answers, flagged as one.
EXACT_COUNT_LIMIT = 1_000


@dataclass(frozen=True)
class ReportCount:
    value: int
    estimate: bool


def reports_count(qs: QuerySet[Report]) -> ReportCount:
    """Exact when few match; the planner's estimate when many do. The estimate comes first
    (planning only, no rows read): far above the limit it answers alone, since counting even
    up to the limit reads that many rows; near it, the bounded count decides, since an
    estimate can be off by a factor."""
    if qs.query.is_empty():  # nothing to search for: there is no statement to plan
        return ReportCount(0, estimate=False)
    plan = json.loads(qs.order_by().only("pk").explain(format="json"))
    estimated = int(plan[0]["Plan"]["Plan Rows"])
    if estimated > EXACT_COUNT_LIMIT * 10:
        return ReportCount(estimated, estimate=True)
    exact = qs.order_by()[: EXACT_COUNT_LIMIT + 1].count()
    if exact <= EXACT_COUNT_LIMIT:
        return ReportCount(exact, estimate=False)
    return ReportCount(max(estimated, exact), estimate=True)
