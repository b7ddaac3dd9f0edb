"""Service levels watched: a report nearing its deadline gets `deadline_warning`, one past it
`overdue`, each once. Run by beat (tasks.sla_events_record_task) in batches."""

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from backend.common.times import timestamp_text

from ..actors import ActorRef
from ..catalogue import DeadlineWarning, Overdue
from ..change import report_changes
from ..models import Report, SlaStage
from ..selectors import sla_due_report_ids


@dataclass(frozen=True)
class SlaRun:
    warned: int
    overdue: int


def sla_warning_at(*, created_at: datetime, deadline: datetime) -> datetime:
    """When settings.SLA_WARNING_SHARE (80 %) of the time from creation to the deadline has
    passed. Elapsed time, as the deadline itself is an instant: a deadline in working days
    (backend/taxonomy/sla.py) already holds its weekends, holidays and clock changes."""
    return created_at + (deadline - created_at) * settings.SLA_WARNING_SHARE


def sla_events_record(*, now: datetime | None = None, limit: int | None = None) -> SlaRun:
    """Record the due SLA events of at most `limit` reports (settings.SLA_BATCH_SIZE), those
    with the earliest deadlines first. Idempotent: each report's stage says what it has had,
    and is read again under the report's lock, so a second run (or one running beside it)
    writes nothing new. A report closed or cancelled first gets neither; one found past its
    deadline gets `overdue` only (a warning after the fact tells nobody anything)."""
    now = now or timezone.now()
    ids = sla_due_report_ids(
        now=now, share=settings.SLA_WARNING_SHARE, limit=limit or settings.SLA_BATCH_SIZE
    )
    warned = overdue = 0
    if not ids:
        return SlaRun(warned=0, overdue=0)
    with report_changes(
        report_ids=ids,
        actor=ActorRef.system(),
        where=Q(deadline__isnull=False, closed_at__isnull=True, sla_stage__lt=SlaStage.OVERDUE),
        only=("deadline", "created_at", "sla_stage", "closed_at"),
    ) as changes:
        for change in changes.values():
            report: Report = change.report
            deadline = report.deadline
            assert deadline is not None  # the lock's condition
            if deadline <= now:
                change.record(Overdue(deadline=timestamp_text(deadline)))
                change.set(sla_stage=SlaStage.OVERDUE)
                overdue += 1
                continue
            warn_at = sla_warning_at(created_at=report.created_at, deadline=deadline)
            if report.sla_stage < SlaStage.WARNED and warn_at <= now:
                change.record(
                    DeadlineWarning(
                        deadline=timestamp_text(deadline), warn_at=timestamp_text(warn_at)
                    )
                )
                change.set(sla_stage=SlaStage.WARNED)
                warned += 1
    return SlaRun(warned=warned, overdue=overdue)
