import json
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from math import cos, radians
from typing import Any

from django.conf import settings
from django.contrib.gis.geos import Point
from django.db import connection
from django.db.models import Q, QuerySet
from django.utils import timezone

from backend.common.tokens import token_hash
from backend.geo.models import Address
from backend.geo.selectors import (
    ADDRESS_COLUMNS,
    CONTAINING_SQL,
    NEAREST_ADDRESS_SQL,
    AreaRef,
    address_from_row,
    area_refs,
    nearest_address_params,
)

from .models import Attachment, Note, Report, ReportEvent, WorkQueue
from .sql import prepared_cursor
from .tracking import tracking_token_valid
from .workflow import OPEN_STATUSES


def report_by_tracking_token(token: str) -> Report | None:
    if not token or len(token) > 100:
        return None
    report = (
        Report.objects.select_related("category", "category__parent", "address")
        .filter(tracking_token_hash=token_hash(token))
        .first()
    )
    return report if report is not None and tracking_token_valid(token, report.id) else None


def report_public_events(report: Report, *, after_seq: int = 0) -> QuerySet[ReportEvent]:
    return ReportEvent.objects.filter(report=report, is_public=True, seq__gt=after_seq).order_by(
        "seq"
    )


def report_ready_photos(report: Report) -> QuerySet[Attachment]:
    return Attachment.objects.filter(report=report, state=Attachment.State.READY).order_by(
        "position"
    )


def report_photo_counts(report: Report) -> dict[str, int]:
    """How many of the report's photos are pending, ready and failed."""
    counts = dict.fromkeys(Attachment.State.values, 0)
    for state in Attachment.objects.filter(report=report).values_list("state", flat=True):
        counts[state] += 1
    return counts


def report_area_labels(report: Report) -> list[str]:
    return [f"{a.type}:{a.code}" for a in report.areas.order_by("type", "code")]


def report_notes(report: Report) -> QuerySet[Note]:
    return Note.objects.filter(report=report).select_related("author").order_by("created_at")


def report_list_related(qs: QuerySet[Report]) -> QuerySet[Report]:
    """What a list row shows besides the report itself, fetched in the same query."""
    return qs.select_related("category", "category__parent", "department", "contractor", "address")


def report_get(report_id: uuid.UUID) -> Report | None:
    return (
        Report.objects.select_related(
            "category", "category__parent", "department", "contractor", "address"
        )
        .filter(pk=report_id)
        .first()
    )


def report_events(report: Report) -> QuerySet[ReportEvent]:
    return ReportEvent.objects.filter(report=report).select_related("actor").order_by("seq")


@dataclass(frozen=True)
class NearbyReport:
    """What the intake response may say about another resident's report: no text, and its id
    only to derive a follow token (never shown)."""

    category_id: int
    status: str
    created_at: datetime
    distance_m: float
    id: uuid.UUID


# Hand-written SQL for the same reason as geo.selectors.areas_containing: every intake runs
# it. One statement, prepared once per connection (a round trip and a planning cost the database
# more than either query does): the areas the point lies in, the possible duplicates and the
# nearest address, in one result, told apart by which columns are set. The degree box lets
# the GIST index make the first cut; the geography distance in metres then decides, on the
# sphere: within 50 m it differs from the spheroid by millimetres, and costs less.
# (Composed of module constants only; every value is a parameter.)
_SURROUNDINGS_SQL = f"""
    WITH here AS (SELECT ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326) AS point),
    -- Materialised: candidates come from the location index alone. Left to itself the planner
    -- combines it with the category index and reads every recent report of the category.
    near AS MATERIALIZED (
        SELECT r.id, r.category_id, r.status, r.created_at, r.location
        FROM reports_report r, here
        WHERE %(category)s::bigint IS NOT NULL AND ST_DWithin(r.location, here.point, %(box)s)
    ),
    nearest AS (
        SELECT n.id, n.status, n.created_at,
               ST_Distance(n.location::geography, here.point::geography, false) AS metres
        FROM near n, here
        WHERE n.category_id = %(category)s
          AND n.status = ANY(%(statuses)s)
          AND n.created_at >= %(since)s
          AND ST_DWithin(n.location::geography, here.point::geography, %(radius)s, false)
        ORDER BY metres
        LIMIT 5
    )
    SELECT a.id, a.type, a.code, NULL::uuid, NULL::varchar, NULL::timestamptz, NULL::float8,
           NULL::jsonb
    FROM ({CONTAINING_SQL}) AS a
    UNION ALL
    SELECT NULL, NULL, NULL, n.id, n.status, n.created_at, n.metres, NULL FROM nearest n
    UNION ALL
    SELECT NULL, NULL, NULL, NULL, NULL, NULL, NULL, to_jsonb(ad)
    FROM ({NEAREST_ADDRESS_SQL}) AS ad
"""  # noqa: S608


@dataclass(frozen=True)
class Surroundings:
    areas: list[AreaRef]  # every area the point lies in
    nearby: list[NearbyReport]  # possible duplicates, nearest first
    address: Address | None = None  # the nearest loaded address, within reach


def intake_surroundings(*, location: Point, category_id: int | None) -> Surroundings:
    """What intake reads before it writes: the areas the point lies in, the open reports of
    the same category near it, recent (the possible duplicates; none without a category), and
    the nearest address. Read before the new report exists, so it is never among them."""
    radius = settings.DUPLICATE_RADIUS_METRES
    params: dict[str, Any] = {
        "lon": location.x,
        "lat": location.y,
        "category": category_id,
        "statuses": list(OPEN_STATUSES),
        "since": timezone.now() - timedelta(days=settings.DUPLICATE_WINDOW_DAYS),
        # A longitude degree shrinks with cos(latitude).
        "box": radius / (111_320 * max(cos(radians(location.y)), 0.01)),
        "radius": float(radius),
        **nearest_address_params(location),
    }
    with prepared_cursor() as cursor:
        cursor.execute(_SURROUNDINGS_SQL, params)
        rows = cursor.fetchall()
    areas = area_refs([row[:3] for row in rows if row[0] is not None])
    # jsonb arrives as text: Django's connection leaves decoding JSON to its fields.
    found = [json.loads(v) if isinstance(v := row[7], str) else v for row in rows if row[7]]
    address = address_from_row(tuple(found[0][c] for c in ADDRESS_COLUMNS)) if found else None
    if category_id is None:
        return Surroundings(areas=areas, nearby=[], address=address)
    return Surroundings(
        areas=areas,
        nearby=[
            NearbyReport(category_id, status, created_at, metres, report_id)
            for _, _, _, report_id, status, created_at, metres, _ in rows
            if report_id is not None
        ],
        address=address,
    )


# For each public event: the seq of the report's public event before it (0 for none).
_PREVIOUS_PUBLIC_SQL = """
    SELECT e.id,
           COALESCE((SELECT max(p.seq) FROM reports_reportevent p
                     WHERE p.report_id = e.report_id AND p.is_public AND p.seq < e.seq), 0)
    FROM reports_reportevent e
    WHERE e.id = ANY(%s)
"""


def previous_public_seqs(events: list[ReportEvent]) -> dict[int, int]:
    """Event id -> the seq of its report's public event before it, for public events. A
    socket that last sent an older one knows, without asking the database, that it missed
    something."""
    ids = [event.pk for event in events if event.is_public]
    if not ids:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(_PREVIOUS_PUBLIC_SQL, [ids])
        return dict(cursor.fetchall())


def work_queues_for(user: Any) -> QuerySet[WorkQueue]:
    """A user's own queues and those shared with their department."""
    mine = Q(owner=user)
    if getattr(user, "department_id", None):
        mine |= Q(shared_with_id=user.department_id)
    return WorkQueue.objects.filter(mine).select_related("owner", "shared_with")


@dataclass(frozen=True)
class MapReport:
    """An open report on the public map: where, what kind, since when; nothing else (no text,
    no photos, no contact, no token)."""

    lat: float
    lon: float
    category_path: str
    category_nl: str
    category_en: str
    created_on: str  # ISO date


def open_reports_on_map(*, category: str | None = None, limit: int = 5000) -> list[MapReport]:
    """Open reports with a category, newest first; ``category`` is "main/sub" or "main"."""
    qs = Report.objects.filter(status__in=list(OPEN_STATUSES), category__isnull=False)
    if category:
        if "/" in category:
            qs = qs.filter(category__path=category)
        else:
            qs = qs.filter(category__parent__path=category)
    rows = qs.order_by("-created_at").values_list(
        "location", "category__path", "category__name_nl", "category__name_en", "created_at"
    )[:limit]
    return [
        MapReport(
            lat=round(location.y, 5),
            lon=round(location.x, 5),
            category_path=path,
            category_nl=name_nl,
            category_en=name_en,
            created_on=timezone.localdate(created_at).isoformat(),
        )
        for location, path, name_nl, name_en, created_at in rows
    ]


# The SLA job's batch: open reports with a deadline whose next SLA event is due, earliest
# deadline first. The partial index report_sla_pending holds exactly the reports that may still
# get one; the warning's instant is the same arithmetic as services/sla.sla_warning_at.
_SLA_DUE_SQL = """
    SELECT id FROM reports_report
    WHERE deadline IS NOT NULL AND closed_at IS NULL AND sla_stage < 2
      AND (deadline <= %(now)s
           OR (sla_stage < 1 AND created_at + (deadline - created_at) * %(share)s <= %(now)s))
    ORDER BY deadline
    LIMIT %(limit)s
"""


def sla_due_report_ids(*, now: datetime, share: float, limit: int) -> list[uuid.UUID]:
    with connection.cursor() as cursor:
        cursor.execute(_SLA_DUE_SQL, {"now": now, "share": share, "limit": limit})
        return [row[0] for row in cursor.fetchall()]


@dataclass(frozen=True)
class DuplicateCandidate:
    report: Report
    distance_m: float


# The same cut as intake's possible duplicates (_SURROUNDINGS_SQL): the degree box for the
# index, then metres on the sphere.
_DUPLICATES_SQL = """
    WITH here AS (SELECT location AS point, category_id FROM reports_report WHERE id = %(id)s),
    near AS MATERIALIZED (
        SELECT r.id, r.category_id, r.status, r.created_at, r.location
        FROM reports_report r, here
        WHERE ST_DWithin(r.location, here.point, %(box)s) AND r.id <> %(id)s
    )
    SELECT n.id, ST_Distance(n.location::geography, here.point::geography, false) AS metres
    FROM near n, here
    WHERE n.category_id = here.category_id
      AND n.status = ANY(%(statuses)s)
      AND n.created_at >= %(since)s
      AND ST_DWithin(n.location::geography, here.point::geography, %(radius)s, false)
    ORDER BY metres, n.created_at DESC
    LIMIT %(limit)s
"""


def report_duplicate_candidates(report: Report, *, limit: int = 20) -> list[DuplicateCandidate]:
    """Reports that may be the same problem: the same category, open, made in the last
    settings.DUPLICATE_WINDOW_DAYS, within settings.DUPLICATE_RADIUS_METRES; nearest first,
    never the report itself. None for a report without a category."""
    if report.category_id is None:
        return []
    radius = settings.DUPLICATE_RADIUS_METRES
    with connection.cursor() as cursor:
        cursor.execute(
            _DUPLICATES_SQL,
            {
                "id": report.pk,
                "box": radius / (111_320 * max(cos(radians(report.location.y)), 0.01)),
                "radius": float(radius),
                "statuses": list(OPEN_STATUSES),
                "since": timezone.now() - timedelta(days=settings.DUPLICATE_WINDOW_DAYS),
                "limit": limit,
            },
        )
        metres = dict(cursor.fetchall())
    found = Report.objects.select_related(
        "category", "category__parent", "department", "contractor", "address"
    ).in_bulk(list(metres))
    return [
        DuplicateCandidate(report=found[report_id], distance_m=distance)
        for report_id, distance in metres.items()
        if report_id in found
    ]
