"""The outbox subscriber that turns report events into the assignment lifecycle and webhooks.

- `assigned` (by hand, by a routing rule, or the loss of a contractor): offer a new assignment
  when the report got a contractor, withdraw the open one when the contractor changed or left.
- `status_changed` to cancelled or closed (by staff, e.g. as a duplicate): withdraw the open
  assignment. A contractor's own completion leaves no open assignment behind.
- `assignment_offered` / `assignment_withdrawn` (written here or by a dispatcher) and
  `category_changed` / `location_changed` of a report with an open assignment: tell the
  organisation — a webhook where it has one, a one-time link e-mail for a new offer otherwise.

Only rows and report events are written here, in one transaction; webhooks and e-mails are
sent by tasks after commit. Every write is idempotent: an event handed over twice changes
nothing the second time.
"""

import uuid

from django.db import transaction

from backend.organisations.models import Contractor
from backend.reports.actors import ActorRef
from backend.reports.catalogue import (
    Assigned,
    AssignmentOffered,
    AssignmentWithdrawn,
    CategoryChanged,
    LocationChanged,
    StatusChanged,
    event_of,
    internal_payloads_load,
    public_part,
)
from backend.reports.change import report_change
from backend.reports.models import ReportEvent
from backend.reports.workflow import Status

from .links import link_mail_queue
from .models import Assignment
from .presentation import assignment_for_webhook
from .services import assignment_offer, assignment_withdraw_in
from .webhooks import WebhookType, webhook_enqueue

T = ReportEvent.Type
_ENDED = (Status.CANCELLED, Status.CLOSED)


def _relevant(event: ReportEvent) -> bool:
    if event.type == T.STATUS_CHANGED:
        return public_part(event).status in _ENDED
    return True


def contractors_publish(events: list[ReportEvent]) -> None:
    """Outbox subscriber (see the fan-out table for the types it takes)."""
    relevant = [event for event in events if _relevant(event)]
    if not relevant:
        return
    # The outbox defers internal payloads: one query for the whole batch.
    internal_payloads_load(e for e in relevant if e.type != T.STATUS_CHANGED)
    assigned = {e.pk: event_of(e, Assigned) for e in relevant if e.type == T.ASSIGNED}
    # Reports whose assignment this batch may open or close; a department-only `assigned`
    # event (most of them, at intake) does not count.
    touched = {
        e.report_id
        for e in relevant
        if e.type in (T.ASSIGNMENT_OFFERED, T.ASSIGNMENT_WITHDRAWN)
        or (e.pk in assigned and (assigned[e.pk].contractor or assigned[e.pk].previous_contractor))
    }
    # Closing, cancelling, category and location changes matter only where a contractor is at
    # work: one query for the batch finds those reports.
    others = {
        e.report_id
        for e in relevant
        if e.type in (T.STATUS_CHANGED, T.CATEGORY_CHANGED, T.LOCATION_CHANGED)
    }
    at_work = touched | set(
        Assignment.objects.filter(
            report_id__in=others - touched, state__in=Assignment.OPEN_STATES
        ).values_list("report_id", flat=True)
    )
    with transaction.atomic():
        for event in relevant:
            if event.type == T.ASSIGNED:
                _on_assigned(event, assigned[event.pk])
            elif event.type == T.ASSIGNMENT_OFFERED:
                _on_offered(event, event_of(event, AssignmentOffered))
            elif event.type == T.ASSIGNMENT_WITHDRAWN:
                _on_withdrawn(event, event_of(event, AssignmentWithdrawn))
            elif event.report_id not in at_work:
                continue
            elif event.type == T.STATUS_CHANGED:
                _on_ended(event, event_of(event, StatusChanged))
            else:
                _on_changed(event)


def _open_assignment(report_id: uuid.UUID) -> Assignment | None:
    return (
        Assignment.objects.select_for_update(of=("self",))
        .select_related("contractor")
        .filter(report_id=report_id, state__in=Assignment.OPEN_STATES)
        .first()
    )


def _on_assigned(event: ReportEvent, assigned: Assigned) -> None:
    new, old = assigned.contractor, assigned.previous_contractor
    if not new and not old:
        return  # a department-only change
    if new == old and assigned.reason != "manual":
        return  # re-routing kept the same contractor: its assignment goes on
    with report_change(report_id=event.report_id, actor=ActorRef.system()) as change:
        report = change.report
        # The report as it is now decides, not the event alone: a later event may already
        # have changed the contractor again, and this one may be handed over twice.
        current = report.contractor.code if report.contractor else None
        open_ = _open_assignment(report.pk)
        if open_ is not None and open_.contractor.code != current:
            assignment_withdraw_in(
                change=change,
                assignment=open_,
                reason="reassigned" if current else "contractor_removed",
            )
            open_ = None
        if (
            current
            and current == new
            and open_ is None
            and report.status not in _ENDED
            and not Assignment.objects.filter(source_event_id=event.pk).exists()
        ):
            contractor = report.contractor
            assert isinstance(contractor, Contractor)
            if contractor.is_active:
                assignment_offer(
                    change=change,
                    contractor=contractor,
                    source_event_id=event.pk,
                    reason=assigned.reason,
                )


def _on_ended(event: ReportEvent, ended: StatusChanged) -> None:
    with report_change(report_id=event.report_id, actor=ActorRef.system()) as change:
        if change.report.status != ended.status:
            return  # reopened since: nothing to withdraw for this event any more
        open_ = _open_assignment(event.report_id)
        if open_ is None:
            return
        assignment_withdraw_in(change=change, assignment=open_, reason=f"report_{ended.status}")


def _assignment(assignment_id: str) -> Assignment | None:
    return (
        Assignment.objects.select_related(
            "contractor", "report", "report__category", "report__category__parent"
        )
        .filter(pk=assignment_id)
        .first()
    )


def _on_offered(event: ReportEvent, offered: AssignmentOffered) -> None:
    assignment = _assignment(offered.assignment)
    if assignment is None:
        return
    contractor = assignment.contractor
    if contractor.has_integration:
        webhook_enqueue(
            contractor=contractor,
            type=WebhookType.ASSIGNMENT_OFFERED,
            data={"assignment": assignment_for_webhook(assignment)},
            report=assignment.report,
            assignment=assignment,
            source_event_id=event.pk,
        )
    elif contractor.email:
        link_mail_queue(assignment=assignment)


def _on_withdrawn(event: ReportEvent, withdrawn: AssignmentWithdrawn) -> None:
    assignment = _assignment(withdrawn.assignment)
    if assignment is None:
        return
    webhook_enqueue(
        contractor=assignment.contractor,
        type=WebhookType.ASSIGNMENT_WITHDRAWN,
        data={"assignment": assignment_for_webhook(assignment), "reason": withdrawn.reason},
        report=assignment.report,
        assignment=assignment,
        source_event_id=event.pk,
    )


def _on_changed(event: ReportEvent) -> None:
    assignment = (
        Assignment.objects.select_related(
            "contractor", "report", "report__category", "report__category__parent"
        )
        .filter(report_id=event.report_id, state__in=Assignment.OPEN_STATES)
        .first()
    )
    if assignment is None:
        return
    changed = (
        event_of(event, CategoryChanged)
        if event.type == T.CATEGORY_CHANGED
        else event_of(event, LocationChanged)
    )
    webhook_enqueue(
        contractor=assignment.contractor,
        type=WebhookType.ASSIGNMENT_UPDATED,
        data={
            "assignment": assignment_for_webhook(assignment),
            "changed": "category" if event.type == T.CATEGORY_CHANGED else "location",
            "from": changed.previous,
            "to": changed.new,
        },
        report=assignment.report,
        assignment=assignment,
        source_event_id=event.pk,
    )
