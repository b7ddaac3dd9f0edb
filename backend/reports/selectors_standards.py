"""Reports as the standards' APIs (Open311, Signalen) read them."""

import uuid
from datetime import datetime

from django.contrib.gis.geos import Polygon
from django.db.models import Prefetch, QuerySet

from .models import Attachment, Report, ReportEvent


def reports_for_standards(
    *,
    ids: list[uuid.UUID] | None = None,
    category_paths: list[str] | None = None,
    statuses: list[str] | None = None,
    created_from: datetime | None = None,
    created_to: datetime | None = None,
    departments: list[str] | None = None,
    contractor_id: int | None = None,
    within: Polygon | None = None,
    main_slugs: list[str] | None = None,
    sub_slugs: list[str] | None = None,
) -> QuerySet[Report]:
    """Reports as the standards' APIs (Open311, Signalen) list them: newest first, with their
    category, department and processed photos at hand."""
    qs = Report.objects.select_related(
        "category", "category__parent", "department", "address"
    ).prefetch_related(
        Prefetch(
            "attachments",
            queryset=Attachment.objects.filter(state=Attachment.State.READY).order_by("position"),
            to_attr="ready_photos",
        )
    )
    if ids is not None:
        qs = qs.filter(id__in=ids)
    if category_paths:
        qs = qs.filter(category__path__in=category_paths)
    if statuses:
        qs = qs.filter(status__in=statuses)
    if created_from is not None:
        qs = qs.filter(created_at__gte=created_from)
    if created_to is not None:
        qs = qs.filter(created_at__lte=created_to)
    if departments:
        qs = qs.filter(department__code__in=departments)
    if contractor_id is not None:
        qs = qs.filter(contractor_id=contractor_id)
    if within is not None:
        qs = qs.filter(location__within=within)
    if main_slugs:
        qs = qs.filter(category__parent__slug__in=main_slugs)
    if sub_slugs:
        qs = qs.filter(category__slug__in=sub_slugs)
    return qs.order_by("-created_at", "id")


def report_public_status_events(
    *, created_from: datetime, created_to: datetime
) -> QuerySet[ReportEvent]:
    """Status changes in a period, oldest first: the updates Open311 clients poll for."""
    return (
        ReportEvent.objects.filter(
            type=ReportEvent.Type.STATUS_CHANGED,
            created_at__gte=created_from,
            created_at__lte=created_to,
        )
        .select_related("report")
        .order_by("created_at", "id")
    )
