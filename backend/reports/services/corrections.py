"""Staff corrections of a report: category, priority, location, triage flag."""

import uuid
from typing import Any

from django.contrib.gis.geos import Point
from django.utils.translation import gettext as _

from backend.common.errors import DomainValidationError
from backend.geo.selectors import AreaRef, address_nearest, areas_containing
from backend.taxonomy.models import Category
from backend.taxonomy.sla import deadline_for

from ..actors import ActorRef
from ..catalogue import (
    CategoryChanged,
    CategoryConfirmed,
    LocationChanged,
    PriorityChanged,
    TriageChanged,
)
from ..change import report_change
from ..models import Report
from .placing import report_reroute, service_area_check

_UNSET: Any = object()


def report_update(
    *,
    report_id: uuid.UUID,
    actor: ActorRef,
    category: Category | None = _UNSET,
    priority: str = _UNSET,
    location: Point = _UNSET,
    needs_triage: bool = _UNSET,
) -> Report:
    """Each change is an event; a new category or place routes the report again, unless a
    dispatcher assigned it by hand."""
    with report_change(report_id=report_id, actor=actor) as change:
        report = change.report
        reroute = False
        areas: list[AreaRef] | None = None

        if category is not _UNSET and category is None:
            raise DomainValidationError.single(
                "category", _("A report's category cannot be cleared.")
            )
        if category is not _UNSET and category == report.category and not report.category_verified:
            change.record(CategoryConfirmed(category=category.path))
            change.set(category_verified=True)
        if category is not _UNSET and category != report.category:
            change.record(
                CategoryChanged(
                    previous=report.category.path if report.category else None, new=category.path
                )
            )
            change.set(
                category=category,
                category_verified=True,
                deadline=deadline_for(
                    sla_working_days=category.sla_working_days,
                    sla_hours=category.sla_hours,
                    start=report.created_at,
                ),
            )
            reroute = True

        if priority is not _UNSET and priority != report.priority:
            if priority not in Report.Priority.values:
                raise DomainValidationError.single(
                    "priority", _("Unknown priority %(value)r.") % {"value": priority}
                )
            change.record(PriorityChanged(previous=report.priority, new=priority))
            change.set(priority=priority)

        if location is not _UNSET and not location.equals_exact(report.location, tolerance=1e-9):
            areas = areas_containing(location)
            service_area_check(location, areas)
            change.record(
                LocationChanged(
                    previous=[report.location.y, report.location.x],
                    new=[location.y, location.x],
                )
            )
            change.set(
                location=location,
                location_source=Report.LocationSource.STAFF,
                address=address_nearest(location),
            )
            report.areas.set([area.id for area in areas])
            reroute = True

        if reroute and not report.assigned_manually:
            report_reroute(
                change,
                areas,
                keep_priority=priority is not _UNSET,
                keep_triage=needs_triage is not _UNSET,
            )

        if needs_triage is not _UNSET and needs_triage != report.needs_triage:
            change.record(TriageChanged(previous=report.needs_triage, new=needs_triage))
            change.set(needs_triage=needs_triage)
    return change.report
