import uuid
from datetime import timedelta
from math import cos, radians

from django.conf import settings
from django.contrib.gis.db.models.functions import Distance
from django.contrib.gis.geos import Point
from django.contrib.gis.measure import D
from django.db.models import QuerySet
from django.utils import timezone

from backend.common.tokens import token_hash

from .models import Attachment, Report, ReportEvent
from .workflow import OPEN_STATUSES


def report_by_tracking_token(token: str) -> Report | None:
    if not token or len(token) > 100:
        return None
    return (
        Report.objects.select_related("category", "category__parent")
        .filter(tracking_token_hash=token_hash(token))
        .first()
    )


def report_public_events(report: Report, *, after_seq: int = 0) -> QuerySet[ReportEvent]:
    return ReportEvent.objects.filter(report=report, is_public=True, seq__gt=after_seq).order_by(
        "seq"
    )


def report_ready_photos(report: Report) -> QuerySet[Attachment]:
    return Attachment.objects.filter(report=report, state=Attachment.State.READY).order_by(
        "position"
    )


def report_list(
    *,
    status: list[str] | None = None,
    category: str | None = None,
    department: str | None = None,
    needs_triage: bool | None = None,
) -> QuerySet[Report]:
    """Reports for the dispatchers' list. ``category`` is "main/sub" or "main" (every sub)."""
    qs = Report.objects.select_related("category", "category__parent", "department")
    if status:
        qs = qs.filter(status__in=status)
    if category:
        if "/" in category:
            qs = qs.filter(category__path=category)
        else:
            qs = qs.filter(category__parent__path=category)
    if department:
        qs = qs.filter(department__code=department)
    if needs_triage is not None:
        qs = qs.filter(needs_triage=needs_triage)
    return qs.order_by("-created_at", "id")


def report_get(report_id: uuid.UUID) -> Report | None:
    return (
        Report.objects.select_related("category", "category__parent", "department")
        .filter(pk=report_id)
        .first()
    )


def report_events(report: Report) -> QuerySet[ReportEvent]:
    return ReportEvent.objects.filter(report=report).select_related("actor").order_by("seq")


def possible_duplicates(report: Report) -> list[tuple[Report, float]]:
    """Open reports of the same category near this one, recent, nearest first."""
    if report.category_id is None:
        return []
    radius = settings.DUPLICATE_RADIUS_METRES
    point: Point = report.location
    # A degree box around the point lets the GIST index do the first cut; the exact
    # spheroid distance then decides. A longitude degree shrinks with cos(latitude).
    box = radius / (111_320 * max(cos(radians(point.y)), 0.01))
    since = timezone.now() - timedelta(days=settings.DUPLICATE_WINDOW_DAYS)
    candidates = (
        Report.objects.filter(
            category_id=report.category_id,
            status__in=OPEN_STATUSES,
            created_at__gte=since,
            location__dwithin=(point, box),
        )
        .exclude(pk=report.pk)
        .annotate(distance=Distance("location", point))
        .filter(distance__lte=D(m=radius))
        .order_by("distance")[:5]
    )
    return [(candidate, candidate.distance.m) for candidate in candidates]
