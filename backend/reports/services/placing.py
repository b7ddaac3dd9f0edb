"""Where a report is, and who gets it: the service-area check and routing's decisions."""

from datetime import datetime

from django.contrib.gis.geos import Point
from django.utils.translation import gettext as _

from backend.common.errors import DomainValidationError
from backend.geo.selectors import AreaRef, areas_containing, in_service_area
from backend.organisations.models import Contractor
from backend.routing.engine import Decision
from backend.routing.selectors import decision_assignees, routing_decide, routing_facts
from backend.taxonomy.models import Category, Department
from backend.taxonomy.sla import deadline_for

from ..catalogue import Assigned, Event, PriorityChanged, Routed, TriageChanged
from ..change import ReportChange


def service_area_check(point: Point, areas: list[AreaRef]) -> None:
    if in_service_area(areas):
        return
    message = _("This location lies outside the municipality's service area.")
    swapped = Point(point.y, point.x, srid=4326)
    if -90 <= swapped.y <= 90 and in_service_area(areas_containing(swapped)):
        message = _("This location lies outside the service area; are lat and lon swapped?")
    raise DomainValidationError({"lat": [message], "lon": [message]})


def routed_deadline(
    decision: Decision, category: Category | None, start: datetime
) -> datetime | None:
    """A rule's deadline overrides the category's service level."""
    if decision.deadline:
        return decision.deadline_at(start)
    if category is None:
        return None
    return deadline_for(
        sla_working_days=category.sla_working_days, sla_hours=category.sla_hours, start=start
    )


def routing_events(
    decision: Decision,
    department: Department | None,
    contractor: Contractor | None,
    *,
    previous_department: str | None,
    previous_contractor: str | None,
    assignee_changed: bool = True,
) -> list[Event]:
    """`routed` (which rule of which version, on what) and `assigned` (who).

    Without an active rule set the fallback decides and there is nothing to record beyond the
    assignment.
    """
    events: list[Event] = []
    if decision.ruleset_version is not None:
        events.append(
            Routed(
                rule=decision.rule,
                ruleset_version=decision.ruleset_version,
                reason=decision.reason,
                matched=decision.matched,
                priority=decision.priority,
                deadline=decision.deadline,
                needs_triage=decision.needs_triage,
            )
        )
    if assignee_changed:
        events.append(
            Assigned(
                department=department.code if department else None,
                contractor=contractor.code if contractor else None,
                previous_department=previous_department,
                previous_contractor=previous_contractor,
                reason=decision.reason,
                by_rule=True,
                rule=decision.rule,
                ruleset_version=decision.ruleset_version,
            )
        )
    return events


def report_reroute(
    change: ReportChange,
    areas: list[AreaRef] | None,
    *,
    keep_priority: bool,
    keep_triage: bool,
) -> None:
    """Route a corrected report again, as of when it was made (time windows, deadline).

    What staff set in the same request (priority, triage flag) wins over the rules.
    """
    report = change.report
    if areas is None:
        area_keys: list[str] = [f"{t}:{c}" for t, c in report.areas.values_list("type", "code")]
    else:
        area_keys = [f"{a.type}:{a.code}" for a in areas]
    decision = routing_decide(
        facts=routing_facts(
            category=report.category,
            areas=area_keys,
            text=report.text,
            source=report.source,
            priority=report.priority,
            at=report.created_at,
        )
    )
    department, contractor = decision_assignees(decision, report.category)
    changed = department != report.department or contractor != report.contractor
    change.record(
        *routing_events(
            decision,
            department,
            contractor,
            previous_department=report.department.code if report.department else None,
            previous_contractor=report.contractor.code if report.contractor else None,
            assignee_changed=changed,
        )
    )
    if changed:
        change.set(department=department, contractor=contractor)
    if decision.deadline:
        change.set(deadline=decision.deadline_at(report.created_at))
    if decision.priority and not keep_priority and decision.priority != report.priority:
        change.record(PriorityChanged(previous=report.priority, new=decision.priority))
        change.set(priority=decision.priority)
    if not keep_triage and decision.needs_triage != report.needs_triage:
        change.record(TriageChanged(previous=report.needs_triage, new=decision.needs_triage))
        change.set(needs_triage=decision.needs_triage)
