"""The assignment lifecycle: every step a contractor or a dispatcher takes, as report events.

offered -> accepted | rejected; accepted -> in_progress -> completed; any open state ->
withdrawn (by a dispatcher, by re-assignment, or because the report was cancelled).

Report effects (decided here, see README "Contractors"):
- accept: the report stays `assigned`; the resident hears of work once it starts.
- reject: the report loses its contractor, goes back to the dispatchers' triage queue
  (`needs_triage`) and, where the workflow allows, back to `received`.
- progress: the report moves to `in_progress`, or `scheduled` when a date is given.
- complete: `closed` with the resolution when the organisation has `auto_close`, otherwise
  `completed_by_contractor`, which a dispatcher approves with the ordinary transition to closed.
"""

import logging
import uuid
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from backend.common.errors import ConflictError, DomainValidationError
from backend.organisations.models import Contractor
from backend.reports import storage
from backend.reports.events import ActorRef, NewEvent, events_append
from backend.reports.models import Attachment, Report, ReportEvent
from backend.reports.services import PhotoUpload, attachments_store
from backend.reports.workflow import Actor, Resolution, Status, is_allowed

from .models import Assignment, AssignmentLink

logger = logging.getLogger(__name__)

State = Assignment.State


def _report_locked(report_id: uuid.UUID) -> Report:
    return (
        Report.objects.select_for_update(of=("self",))
        .select_related("department", "contractor", "category")
        .get(pk=report_id)
    )


def _report_save(report: Report, fields: list[str]) -> None:
    report.save(update_fields=[*fields, "last_event_seq", "updated_at"])


def _assignment_locked(assignment_id: uuid.UUID, contractor: Contractor | None) -> Assignment:
    """Lock the report first, then the assignment: the same order as every report write."""
    report_id = Assignment.objects.values_list("report_id", flat=True).get(pk=assignment_id)
    report = _report_locked(report_id)
    assignment = (
        Assignment.objects.select_for_update(of=("self",))
        .select_related("contractor")
        .get(pk=assignment_id)
    )
    if contractor is not None and assignment.contractor_id != contractor.pk:
        # Views answer 404 before getting here; this is the domain's own guard.
        raise Assignment.DoesNotExist
    assignment.report = report
    return assignment


def _require_state(assignment: Assignment, allowed: tuple[str, ...], action: str) -> None:
    if assignment.state not in allowed:
        raise ConflictError(
            f"An assignment that is {assignment.state} cannot be {action}.",
            current=assignment.state,
        )


def _ref(assignment: Assignment) -> dict[str, Any]:
    return {"assignment": str(assignment.id), "contractor": assignment.contractor.code}


def _status_event(report: Report, to: str, **public: Any) -> NewEvent:
    previous = report.status
    report.status = to
    return NewEvent(
        type=ReportEvent.Type.STATUS_CHANGED,
        public=True,
        public_payload={"status": to, **public},
        internal_payload={"from": previous},
    )


def links_revoke(assignment: Assignment) -> int:
    return AssignmentLink.objects.filter(assignment=assignment, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )


# --- offered and withdrawn: driven by the report's assignment (see subscriber.py) ----------


def assignment_offer(
    *, report: Report, contractor: Contractor, source_event_id: int | None, reason: str
) -> Assignment:
    """Offer a locked report to a contractor; the caller saves the report (status included).

    A report still waiting in `received` (or `reopened`), e.g. routed by a rule at intake,
    moves to `assigned`: from there the workflow lets the contractor move it on.
    """
    channel = "webhook" if contractor.has_integration else ("link" if contractor.email else "api")
    assignment = Assignment.objects.create(
        report=report, contractor=contractor, source_event_id=source_event_id
    )
    assignment.contractor = contractor
    events = [
        NewEvent(
            type=ReportEvent.Type.ASSIGNMENT_OFFERED,
            internal_payload={**_ref(assignment), "channel": channel, "reason": reason},
        )
    ]
    if report.status in (Status.RECEIVED, Status.REOPENED) and is_allowed(
        report.status, Status.ASSIGNED, Actor.SYSTEM
    ):
        events.append(_status_event(report, Status.ASSIGNED))
    events_append(report=report, actor=ActorRef.system(), events=events)
    return assignment


def _withdraw(assignment: Assignment, report: Report, *, actor: ActorRef, reason: str) -> None:
    assignment.state = State.WITHDRAWN
    assignment.withdraw_reason = reason
    assignment.finished_at = timezone.now()
    assignment.save(update_fields=["state", "withdraw_reason", "finished_at", "updated_at"])
    links_revoke(assignment)
    events_append(
        report=report,
        actor=actor,
        events=[
            NewEvent(
                type=ReportEvent.Type.ASSIGNMENT_WITHDRAWN,
                internal_payload={**_ref(assignment), "reason": reason},
            )
        ],
    )


def assignment_withdraw_locked(*, assignment: Assignment, report: Report, reason: str) -> None:
    """Withdraw on the system's behalf (re-assignment, cancellation); the caller saves."""
    _withdraw(assignment, report, actor=ActorRef.system(), reason=reason)


@transaction.atomic
def assignment_withdraw(*, assignment_id: uuid.UUID, actor: ActorRef) -> Assignment:
    """A dispatcher takes the work back: the report loses its contractor, the link dies."""
    assignment = _assignment_locked(assignment_id, None)
    _require_state(assignment, Assignment.OPEN_STATES, "withdrawn")
    report = assignment.report
    _withdraw(assignment, report, actor=actor, reason="dispatcher")
    fields: list[str] = []
    if report.contractor_id == assignment.contractor_id:
        events_append(
            report=report,
            actor=actor,
            events=[_unassigned_event(report, assignment, reason="withdrawn")],
        )
        report.contractor = None
        fields.append("contractor")
    _report_save(report, fields)
    return assignment


def _unassigned_event(report: Report, assignment: Assignment, *, reason: str) -> NewEvent:
    """The `assigned` event every loss of a contractor writes (the contract with routing)."""
    department = report.department.code if report.department else None
    return NewEvent(
        type=ReportEvent.Type.ASSIGNED,
        internal_payload={
            "department": department,
            "contractor": None,
            "from": department,
            "from_contractor": assignment.contractor.code,
            "reason": reason,
        },
    )


# --- the contractor's own steps --------------------------------------------------------------


@transaction.atomic
def assignment_accept(
    *, assignment_id: uuid.UUID, contractor: Contractor, actor: ActorRef
) -> Assignment:
    assignment = _assignment_locked(assignment_id, contractor)
    _require_state(assignment, (State.OFFERED,), "accepted")
    assignment.state = State.ACCEPTED
    assignment.accepted_at = timezone.now()
    assignment.save(update_fields=["state", "accepted_at", "updated_at"])
    report = assignment.report
    events_append(
        report=report,
        actor=actor,
        events=[
            NewEvent(type=ReportEvent.Type.ASSIGNMENT_ACCEPTED, internal_payload=_ref(assignment))
        ],
    )
    _report_save(report, [])
    return assignment


@transaction.atomic
def assignment_reject(
    *, assignment_id: uuid.UUID, contractor: Contractor, actor: ActorRef, reason: str
) -> Assignment:
    """Refuse the work: the report returns to the dispatchers' triage queue."""
    reason = reason.strip()
    if not reason:
        raise DomainValidationError.single("reason", "Say why the assignment is rejected.")
    assignment = _assignment_locked(assignment_id, contractor)
    _require_state(assignment, (State.OFFERED, State.ACCEPTED), "rejected")
    assignment.state = State.REJECTED
    assignment.reject_reason = reason[:2000]
    assignment.finished_at = timezone.now()
    assignment.save(update_fields=["state", "reject_reason", "finished_at", "updated_at"])
    report = assignment.report
    fields = []
    events = [
        NewEvent(
            type=ReportEvent.Type.ASSIGNMENT_REJECTED,
            internal_payload={**_ref(assignment), "reason": assignment.reject_reason},
        )
    ]
    if report.contractor_id == assignment.contractor_id:
        events.append(_unassigned_event(report, assignment, reason="contractor_rejected"))
        report.contractor = None
        fields.append("contractor")
    events_append(report=report, actor=actor, events=events)
    # Back to the dispatchers: the system's doing, not the contractor's (whom the workflow
    # does not allow to move a report back).
    system_events = []
    if not report.needs_triage:
        system_events.append(
            NewEvent(
                type=ReportEvent.Type.TRIAGE_CHANGED,
                internal_payload={"from": False, "to": True, "reason": "contractor_rejected"},
            )
        )
        report.needs_triage = True
        fields.append("needs_triage")
    if report.status != Status.RECEIVED and is_allowed(
        report.status, Status.RECEIVED, Actor.SYSTEM
    ):
        system_events.append(_status_event(report, Status.RECEIVED))
        fields.append("status")
    events_append(report=report, actor=ActorRef.system(), events=system_events)
    _report_save(report, fields)
    return assignment


@transaction.atomic
def assignment_progress(
    *,
    assignment_id: uuid.UUID,
    contractor: Contractor,
    actor: ActorRef,
    note: str,
    scheduled_for: datetime | None = None,
) -> Assignment:
    note = note.strip()
    if not note:
        raise DomainValidationError.single("note", "A progress report needs a note.")
    assignment = _assignment_locked(assignment_id, contractor)
    _require_state(assignment, (State.ACCEPTED, State.IN_PROGRESS), "updated")
    assignment.state = State.IN_PROGRESS
    assignment.progress_note = note[:4000]
    if scheduled_for is not None:
        assignment.scheduled_for = scheduled_for
    assignment.save(update_fields=["state", "progress_note", "scheduled_for", "updated_at"])
    report = assignment.report
    events = [
        NewEvent(
            type=ReportEvent.Type.ASSIGNMENT_PROGRESS,
            internal_payload={
                **_ref(assignment),
                "note": assignment.progress_note,
                "scheduled_for": scheduled_for.isoformat() if scheduled_for else None,
            },
        )
    ]
    target = Status.SCHEDULED if scheduled_for is not None else Status.IN_PROGRESS
    fields = []
    # A report waiting for the resident's answer (info_requested) keeps waiting.
    if report.status != target and is_allowed(report.status, target, actor.kind):
        events.append(_status_event(report, target))
        fields.append("status")
    events_append(report=report, actor=actor, events=events)
    _report_save(report, fields)
    return assignment


def assignment_complete(
    *,
    assignment_id: uuid.UUID,
    contractor: Contractor,
    actor: ActorRef,
    note: str = "",
    resolution: str = Resolution.FIXED,
    photos: list[PhotoUpload] | None = None,
) -> Assignment:
    """Finish the work with a note, a resolution and the "after" photos (processed later)."""
    photos = photos or []
    if resolution not in Resolution.values:
        raise DomainValidationError.single(
            "resolution", f"Use one of {', '.join(Resolution.values)}."
        )
    if len(photos) > settings.PHOTO_MAX_COUNT:
        raise DomainValidationError.single("photos", f"At most {settings.PHOTO_MAX_COUNT} photos.")
    written: list[str] = []
    try:
        with transaction.atomic():
            result = _complete(
                assignment_id=assignment_id,
                contractor=contractor,
                actor=actor,
                note=note.strip()[:4000],
                resolution=resolution,
                photos=photos,
                written=written,
            )
    except BaseException:
        for relative in written:
            storage.file_remove(storage.private_path(relative))
        raise
    return result


def _complete(
    *,
    assignment_id: uuid.UUID,
    contractor: Contractor,
    actor: ActorRef,
    note: str,
    resolution: str,
    photos: list[PhotoUpload],
    written: list[str],
) -> Assignment:
    assignment = _assignment_locked(assignment_id, contractor)
    _require_state(assignment, (State.ACCEPTED, State.IN_PROGRESS), "completed")
    report = assignment.report
    target = Status.CLOSED if assignment.contractor.auto_close else Status.COMPLETED_BY_CONTRACTOR
    if not is_allowed(report.status, target, actor.kind):
        raise ConflictError(
            f"The report is {report.status}; the work cannot be completed now.",
            current=report.status,
        )
    assignment.state = State.COMPLETED
    assignment.completion_note = note
    assignment.resolution = resolution
    assignment.finished_at = timezone.now()
    assignment.save(
        update_fields=["state", "completion_note", "resolution", "finished_at", "updated_at"]
    )

    last = (
        Attachment.objects.filter(report=report)
        .order_by("-position")
        .values_list("position", flat=True)
    ).first()
    start = 0 if last is None else last + 1
    attachments = attachments_store(
        report=report,
        photos=photos,
        written=written,
        kind=Attachment.Kind.CONTRACTOR,
        first_position=start,
    )

    fields = ["status"]
    events = [
        NewEvent(
            type=ReportEvent.Type.ASSIGNMENT_COMPLETED,
            internal_payload={
                **_ref(assignment),
                "note": note,
                "resolution": resolution,
                "photos": [str(a.id) for a in attachments],
            },
        ),
        _status_event(
            report, target, **({"resolution": resolution} if target == Status.CLOSED else {})
        ),
    ]
    if target == Status.CLOSED:
        report.resolution = resolution
        report.closed_at = timezone.now()
        fields += ["resolution", "closed_at"]
    events_append(report=report, actor=actor, events=events)
    _report_save(report, fields)
    return assignment
