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
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from backend.common.errors import ConflictError, DomainValidationError
from backend.common.text import text_clean
from backend.common.times import timestamp_text_or_none
from backend.organisations.models import Contractor
from backend.reports.actors import ActorRef
from backend.reports.catalogue import (
    Assigned,
    AssignmentAccepted,
    AssignmentCompleted,
    AssignmentOffered,
    AssignmentProgress,
    AssignmentRejected,
    AssignmentWithdrawn,
    TriageChanged,
)
from backend.reports.change import ReportChange, report_change
from backend.reports.models import Attachment
from backend.reports.services import PhotoUpload, attachments_store, written_files_remove
from backend.reports.workflow import Resolution, Status

from .models import Assignment, AssignmentLink

logger = logging.getLogger(__name__)

State = Assignment.State


@contextmanager
def _assignment_change(
    assignment_id: uuid.UUID, contractor: Contractor | None, actor: ActorRef
) -> Iterator[tuple[ReportChange, Assignment]]:
    """The report's unit of work with the assignment locked in it: report first, then the
    assignment, the order of every report write."""
    report_id = Assignment.objects.values_list("report_id", flat=True).get(pk=assignment_id)
    with report_change(report_id=report_id, actor=actor) as change:
        assignment = (
            Assignment.objects.select_for_update(of=("self",))
            .select_related("contractor")
            .get(pk=assignment_id)
        )
        if contractor is not None and assignment.contractor_id != contractor.pk:
            # Views answer 404 before getting here; this is the domain's own guard.
            raise Assignment.DoesNotExist
        assignment.report = change.report
        yield change, assignment


def _require_state(assignment: Assignment, allowed: tuple[str, ...], action: str) -> None:
    if assignment.state not in allowed:
        raise ConflictError(
            _("An assignment that is %(state)s cannot be %(action)s.")
            % {"state": assignment.state, "action": action},
            current=assignment.state,
        )


def _ref(assignment: Assignment) -> dict[str, str]:
    return {"assignment": str(assignment.id), "contractor": assignment.contractor.code}


def links_revoke(assignment: Assignment) -> int:
    return AssignmentLink.objects.filter(assignment=assignment, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )


# --- offered and withdrawn: driven by the report's assignment (see subscriber.py) ----------


def assignment_offer(
    *, change: ReportChange, contractor: Contractor, source_event_id: int | None, reason: str
) -> Assignment:
    """Offer the report of a change to a contractor.

    A report still waiting in `received` (or `reopened`), e.g. routed by a rule at intake,
    moves to `assigned`: from there the workflow lets the contractor move it on.
    """
    report = change.report
    channel = "webhook" if contractor.has_integration else ("link" if contractor.email else "api")
    assignment = Assignment.objects.create(
        report=report, contractor=contractor, source_event_id=source_event_id
    )
    assignment.contractor = contractor
    change.record(AssignmentOffered(**_ref(assignment), channel=channel, reason=reason))
    if report.status in (Status.RECEIVED, Status.REOPENED) and change.may_transition(
        Status.ASSIGNED
    ):
        change.transition(Status.ASSIGNED)
    return assignment


def assignment_withdraw_in(*, change: ReportChange, assignment: Assignment, reason: str) -> None:
    """Withdraw an open assignment within a change of its report (the change's actor)."""
    assignment.state = State.WITHDRAWN
    assignment.withdraw_reason = reason
    assignment.finished_at = timezone.now()
    assignment.save(update_fields=["state", "withdraw_reason", "finished_at", "updated_at"])
    links_revoke(assignment)
    change.record(AssignmentWithdrawn(**_ref(assignment), reason=reason))


def assignment_withdraw(*, assignment_id: uuid.UUID, actor: ActorRef) -> Assignment:
    """A dispatcher takes the work back: the report loses its contractor, the link dies."""
    with _assignment_change(assignment_id, None, actor) as (change, assignment):
        _require_state(assignment, Assignment.OPEN_STATES, "withdrawn")
        assignment_withdraw_in(change=change, assignment=assignment, reason="dispatcher")
        if change.report.contractor_id == assignment.contractor_id:
            _contractor_lost(change, assignment, reason="withdrawn")
    return assignment


def _contractor_lost(change: ReportChange, assignment: Assignment, *, reason: str) -> None:
    """The `assigned` event every loss of a contractor writes (the contract with routing)."""
    department = change.report.department.code if change.report.department else None
    change.record(
        Assigned(
            department=department,
            contractor=None,
            previous_department=department,
            previous_contractor=assignment.contractor.code,
            reason=reason,
        )
    )
    change.set(contractor=None)


# --- the contractor's own steps --------------------------------------------------------------


def assignment_accept(
    *, assignment_id: uuid.UUID, contractor: Contractor, actor: ActorRef
) -> Assignment:
    with _assignment_change(assignment_id, contractor, actor) as (change, assignment):
        _require_state(assignment, (State.OFFERED,), "accepted")
        assignment.state = State.ACCEPTED
        assignment.accepted_at = timezone.now()
        assignment.save(update_fields=["state", "accepted_at", "updated_at"])
        change.record(AssignmentAccepted(**_ref(assignment)))
    return assignment


def assignment_reject(
    *, assignment_id: uuid.UUID, contractor: Contractor, actor: ActorRef, reason: str
) -> Assignment:
    """Refuse the work: the report returns to the dispatchers' triage queue."""
    reason = text_clean(reason).strip()
    if not reason:
        raise DomainValidationError.single("reason", _("Say why the assignment is rejected."))
    with _assignment_change(assignment_id, contractor, actor) as (change, assignment):
        _require_state(assignment, (State.OFFERED, State.ACCEPTED), "rejected")
        assignment.state = State.REJECTED
        assignment.reject_reason = reason[:2000]
        assignment.finished_at = timezone.now()
        assignment.save(update_fields=["state", "reject_reason", "finished_at", "updated_at"])
        report = change.report
        change.record(AssignmentRejected(**_ref(assignment), reason=assignment.reject_reason))
        if report.contractor_id == assignment.contractor_id:
            _contractor_lost(change, assignment, reason="contractor_rejected")
        # Back to the dispatchers: the system's doing, not the contractor's (whom the workflow
        # does not allow to move a report back).
        system = ActorRef.system()
        if not report.needs_triage:
            change.record(
                TriageChanged(previous=False, new=True, reason="contractor_rejected"),
                actor=system,
            )
            change.set(needs_triage=True)
        if report.status != Status.RECEIVED and change.may_transition(
            Status.RECEIVED, actor=system
        ):
            change.transition(Status.RECEIVED, actor=system)
    return assignment


def assignment_progress(
    *,
    assignment_id: uuid.UUID,
    contractor: Contractor,
    actor: ActorRef,
    note: str,
    scheduled_for: datetime | None = None,
) -> Assignment:
    note = text_clean(note).strip()
    if not note:
        raise DomainValidationError.single("note", _("A progress report needs a note."))
    with _assignment_change(assignment_id, contractor, actor) as (change, assignment):
        _require_state(assignment, (State.ACCEPTED, State.IN_PROGRESS), "updated")
        assignment.state = State.IN_PROGRESS
        assignment.progress_note = note[:4000]
        if scheduled_for is not None:
            assignment.scheduled_for = scheduled_for
        assignment.save(update_fields=["state", "progress_note", "scheduled_for", "updated_at"])
        change.record(
            AssignmentProgress(
                **_ref(assignment),
                note=assignment.progress_note,
                scheduled_for=timestamp_text_or_none(scheduled_for),
            )
        )
        target = Status.SCHEDULED if scheduled_for is not None else Status.IN_PROGRESS
        # A report waiting for the resident's answer (info_requested) keeps waiting.
        if change.report.status != target and change.may_transition(target):
            change.transition(target)
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
            "resolution", _("Use one of %(values)s.") % {"values": ", ".join(Resolution.values)}
        )
    if len(photos) > settings.PHOTO_MAX_COUNT:
        raise DomainValidationError.single(
            "photos", _("At most %(count)d photos.") % {"count": settings.PHOTO_MAX_COUNT}
        )
    note = text_clean(note).strip()[:4000]
    written: list[str] = []
    try:
        with _assignment_change(assignment_id, contractor, actor) as (change, assignment):
            _require_state(assignment, (State.ACCEPTED, State.IN_PROGRESS), "completed")
            report = change.report
            target = (
                Status.CLOSED
                if assignment.contractor.auto_close
                else Status.COMPLETED_BY_CONTRACTOR
            )
            if not change.may_transition(target):
                raise ConflictError(
                    _("The report is %(status)s; the work cannot be completed now.")
                    % {"status": report.status},
                    current=report.status,
                )
            assignment.state = State.COMPLETED
            assignment.completion_note = note
            assignment.resolution = resolution
            assignment.finished_at = timezone.now()
            assignment.save(
                update_fields=[
                    "state",
                    "completion_note",
                    "resolution",
                    "finished_at",
                    "updated_at",
                ]
            )
            last = (
                Attachment.objects.filter(report=report)
                .order_by("-position")
                .values_list("position", flat=True)
            ).first()
            attachments = attachments_store(
                report=report,
                photos=photos,
                written=written,
                kind=Attachment.Kind.CONTRACTOR,
                first_position=0 if last is None else last + 1,
            )
            change.record(
                AssignmentCompleted(
                    **_ref(assignment),
                    note=note,
                    resolution=resolution,
                    photos=[str(a.id) for a in attachments],
                )
            )
            change.transition(target, resolution=resolution if target == Status.CLOSED else "")
    except BaseException:
        written_files_remove(written)
        raise
    return assignment
