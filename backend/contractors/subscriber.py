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

import logging
import uuid
from typing import Any

from django.db import transaction

from backend.organisations.models import Contractor
from backend.reports.models import Report, ReportEvent
from backend.reports.workflow import Status

from .models import Assignment
from .presentation import assignment_for_webhook
from .services import assignment_offer, assignment_withdraw_locked
from .webhooks import webhook_enqueue

logger = logging.getLogger(__name__)
T = ReportEvent.Type
_WITH_PAYLOAD = {
    T.ASSIGNED,
    T.ASSIGNMENT_OFFERED,
    T.ASSIGNMENT_WITHDRAWN,
    T.CATEGORY_CHANGED,
    T.LOCATION_CHANGED,
}


_ENDED = (Status.CANCELLED, Status.CLOSED)


def _relevant(event: ReportEvent) -> bool:
    if event.type == T.STATUS_CHANGED:
        return event.public_payload.get("status") in _ENDED
    return event.type in _WITH_PAYLOAD


def contractors_publish(events: list[ReportEvent]) -> None:
    relevant = [event for event in events if _relevant(event)]
    if not relevant:
        return
    # The outbox defers internal payloads: one query for the whole batch.
    payloads: dict[int, dict[str, Any]] = dict(
        ReportEvent.objects.filter(
            pk__in=[e.pk for e in relevant if e.type in _WITH_PAYLOAD]
        ).values_list("pk", "internal_payload")
    )
    # Reports whose assignment this batch may open or close; a department-only `assigned`
    # event (most of them, at intake) does not count.
    touched = {
        e.report_id
        for e in relevant
        if e.type in (T.ASSIGNMENT_OFFERED, T.ASSIGNMENT_WITHDRAWN)
        or (
            e.type == T.ASSIGNED
            and (payloads[e.pk].get("contractor") or payloads[e.pk].get("from_contractor"))
        )
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
            payload = payloads.get(event.pk, {})
            if event.type == T.ASSIGNED:
                _on_assigned(event, payload)
            elif event.type == T.ASSIGNMENT_OFFERED:
                _on_offered(event, payload)
            elif event.type == T.ASSIGNMENT_WITHDRAWN:
                _on_withdrawn(event, payload)
            elif event.report_id not in at_work:
                continue
            elif event.type == T.STATUS_CHANGED:
                _on_ended(event)
            else:
                _on_changed(event, payload)


def _locked(report_id: uuid.UUID) -> Report:
    return (
        Report.objects.select_for_update(of=("self",))
        .select_related("contractor", "department", "category")
        .get(pk=report_id)
    )


def _open_assignment(report_id: uuid.UUID) -> Assignment | None:
    return (
        Assignment.objects.select_for_update(of=("self",))
        .select_related("contractor")
        .filter(report_id=report_id, state__in=Assignment.OPEN_STATES)
        .first()
    )


def _on_assigned(event: ReportEvent, payload: dict[str, Any]) -> None:
    new, old = payload.get("contractor"), payload.get("from_contractor")
    if not new and not old:
        return  # a department-only change
    if new == old and payload.get("reason") != "manual":
        return  # re-routing kept the same contractor: its assignment goes on
    report = _locked(event.report_id)
    seq = report.last_event_seq
    # The report as it is now decides, not the event alone: a later event may already have
    # changed the contractor again, and this one may be handed over twice.
    current = report.contractor.code if report.contractor else None
    open_ = _open_assignment(report.pk)
    if open_ is not None and open_.contractor.code != current:
        assignment_withdraw_locked(
            assignment=open_,
            report=report,
            reason="reassigned" if current else "contractor_removed",
        )
        open_ = None
    if (
        current
        and current == new
        and open_ is None
        and report.status not in (Status.CLOSED, Status.CANCELLED)
        and not Assignment.objects.filter(source_event_id=event.pk).exists()
    ):
        contractor = report.contractor
        assert isinstance(contractor, Contractor)
        if contractor.is_active:
            assignment_offer(
                report=report,
                contractor=contractor,
                source_event_id=event.pk,
                reason=payload.get("reason", ""),
            )
    if report.last_event_seq != seq:
        report.save(update_fields=["status", "last_event_seq", "updated_at"])


def _on_ended(event: ReportEvent) -> None:
    status = event.public_payload.get("status")
    report = _locked(event.report_id)
    if report.status != status:
        return  # reopened since: nothing to withdraw for this event any more
    open_ = _open_assignment(report.pk)
    if open_ is None:
        return
    assignment_withdraw_locked(assignment=open_, report=report, reason=f"report_{status}")
    report.save(update_fields=["last_event_seq", "updated_at"])


def _assignment(payload: dict[str, Any]) -> Assignment | None:
    assignment_id = payload.get("assignment")
    if not assignment_id:
        return None
    return (
        Assignment.objects.select_related(
            "contractor", "report", "report__category", "report__category__parent"
        )
        .filter(pk=assignment_id)
        .first()
    )


def _on_offered(event: ReportEvent, payload: dict[str, Any]) -> None:
    assignment = _assignment(payload)
    if assignment is None:
        return
    contractor = assignment.contractor
    if contractor.has_integration:
        webhook_enqueue(
            contractor=contractor,
            type="assignment.offered",
            data={"assignment": assignment_for_webhook(assignment)},
            report=assignment.report,
            assignment=assignment,
            source_event_id=event.pk,
        )
    elif contractor.email:
        assignment_id = assignment.id
        transaction.on_commit(lambda: _link_dispatch(assignment_id))


def _link_dispatch(assignment_id: uuid.UUID) -> None:
    from .tasks import assignment_link_send_task

    try:
        assignment_link_send_task.apply_async((str(assignment_id),), retry=False)
    except Exception:
        logger.warning("broker unavailable; the link for assignment %s is not sent", assignment_id)


def _on_withdrawn(event: ReportEvent, payload: dict[str, Any]) -> None:
    assignment = _assignment(payload)
    if assignment is None:
        return
    webhook_enqueue(
        contractor=assignment.contractor,
        type="assignment.withdrawn",
        data={
            "assignment": assignment_for_webhook(assignment),
            "reason": payload.get("reason", ""),
        },
        report=assignment.report,
        assignment=assignment,
        source_event_id=event.pk,
    )


def _on_changed(event: ReportEvent, payload: dict[str, Any]) -> None:
    assignment = (
        Assignment.objects.select_related(
            "contractor", "report", "report__category", "report__category__parent"
        )
        .filter(report_id=event.report_id, state__in=Assignment.OPEN_STATES)
        .first()
    )
    if assignment is None:
        return
    field = "category" if event.type == T.CATEGORY_CHANGED else "location"
    webhook_enqueue(
        contractor=assignment.contractor,
        type="assignment.updated",
        data={
            "assignment": assignment_for_webhook(assignment),
            "changed": field,
            "from": payload.get("from"),
            "to": payload.get("to"),
        },
        report=assignment.report,
        assignment=assignment,
        source_event_id=event.pk,
    )
