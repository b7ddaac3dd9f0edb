"""The one door for changing a report: lock it, check the workflow, apply, record, save.

Every app changes reports through here, and nothing else locks a report for change or
appends to its history:

    with report_change(report_id=report_id, actor=actor) as change:
        change.transition(Status.CLOSED, resolution=Resolution.FIXED)
        change.set(priority="high")
        change.record(PriorityChanged(previous="normal", new="high"))

On leaving the block the events are stored with their outbox entries (published after
commit) and the changed fields are saved with the report's new last_event_seq, in the same
transaction; an exception rolls all of it back.
"""

import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from backend.common.errors import ConflictError, DomainValidationError
from backend.common.text import text_clean

from .actors import ActorRef
from .catalogue import Event, StatusChanged
from .models import Report
from .sql import (
    ShortIdNext,
    Statement,
    events_write,
    insert_statement,
    mark_stored,
    reports_update,
    short_id_year,
)
from .workflow import Resolution, Status, allowed_targets, is_allowed

_ENDED = (Status.CLOSED, Status.CANCELLED)


class ReportChange:
    """One report, locked, with what is being done to it."""

    def __init__(self, report: Report, actor: ActorRef):
        self.report = report
        self.actor = actor
        self._events: list[tuple[ActorRef, Event]] = []
        self._fields: dict[str, None] = {}  # ordered, for a stable UPDATE

    def record(self, *events: Event, actor: ActorRef | None = None) -> None:
        """Append events to the history, as the change's actor unless another is named (the
        system's part of a contractor's step, say)."""
        self._events += [(actor or self.actor, event) for event in events]

    def set(self, **values: Any) -> None:
        for name, value in values.items():
            setattr(self.report, name, value)
            self._fields[name] = None

    def may_transition(self, to: str, *, actor: ActorRef | None = None) -> bool:
        return is_allowed(self.report.status, to, (actor or self.actor).kind)

    def transition(
        self,
        to: str,
        *,
        resolution: str = "",
        public_text: str = "",
        actor: ActorRef | None = None,
    ) -> None:
        """Move the report to another status if the workflow table allows the actor to, with
        the side effects of that status, and record it."""
        actor = actor or self.actor
        report = self.report
        if to not in Status.values:
            raise DomainValidationError.single("to", _("Unknown status %(value)r.") % {"value": to})
        if not is_allowed(report.status, to, actor.kind):
            raise ConflictError(
                _("A report in status %(status)r cannot move to %(to)r.")
                % {"status": report.status, "to": to},
                current=report.status,
                allowed=allowed_targets(report.status, actor.kind),
            )
        if to == Status.CLOSED:
            if resolution not in Resolution.values:
                raise DomainValidationError.single(
                    "resolution",
                    _("Closing needs a resolution: one of %(values)s.")
                    % {"values": ", ".join(Resolution.values)},
                )
        elif resolution:
            raise DomainValidationError.single("resolution", _("Only closing takes a resolution."))
        text = text_clean(public_text).strip()
        if to == Status.INFO_REQUESTED and not text:
            raise DomainValidationError.single(
                "public_text", _("Asking the resident for information needs the question itself.")
            )
        previous = report.status
        if to == Status.INFO_REQUESTED:
            # Where the resident's answer sends the report back to.
            self.set(status_before_info_request=previous)
        self.set(
            status=to,
            resolution=resolution if to == Status.CLOSED else "",
            closed_at=timezone.now() if to in _ENDED else None,
        )
        self.record(
            StatusChanged(status=to, resolution=resolution, text=text, previous=previous),
            actor=actor,
        )

    def _appended(self) -> list[tuple[Report, ActorRef, Event]]:
        return [(self.report, actor, event) for actor, event in self._events]


def _locked(report_ids: Sequence[uuid.UUID], where: Q | None, only: Sequence[str]) -> list[Report]:
    query = Report.objects.select_for_update(of=("self",))
    if only:
        query = query.only("id", "last_event_seq", *only)
    query = query.select_related(
        *(
            name
            for name in ("category", "department", "contractor")
            if not only or any(o == name or o.startswith(f"{name}__") for o in only)
        )
    )
    if where is not None:
        query = query.filter(where)
    # One lock order for every writer that holds several reports: no deadlock between two.
    return list(query.filter(pk__in=report_ids).order_by("pk"))


def _store(changes: Sequence[ReportChange]) -> None:
    events_write(batch=[row for change in changes for row in change._appended()])
    by_fields: dict[tuple[str, ...], list[Report]] = {}
    for change in changes:
        if change._events or change._fields:
            by_fields.setdefault(tuple(change._fields), []).append(change.report)
    for fields, reports in by_fields.items():
        if len(reports) == 1:
            reports[0].save(update_fields=[*fields, "last_event_seq", "updated_at"])
        else:
            reports_update(reports=reports, fields=fields)


@contextmanager
def report_change(*, report_id: uuid.UUID, actor: ActorRef) -> Iterator[ReportChange]:
    """Change one report (raises Report.DoesNotExist for an unknown id)."""
    with transaction.atomic():
        found = _locked([report_id], None, ())
        if not found:
            raise Report.DoesNotExist(f"no report {report_id}")
        change = ReportChange(found[0], actor)
        yield change
        _store([change])


@contextmanager
def report_changes(
    *,
    report_ids: Sequence[uuid.UUID],
    actor: ActorRef,
    where: Q | None = None,
    only: Sequence[str] = (),
) -> Iterator[dict[uuid.UUID, ReportChange]]:
    """Change several reports in one transaction, locked in one order; those missing or not
    matching `where` are left out. `only` limits what is loaded (a worker's batch), and the
    changes are then saved in one UPDATE."""
    with transaction.atomic():
        changes = {
            report.pk: ReportChange(report, actor)
            for report in _locked(list(report_ids), where, only)
        }
        yield changes
        _store(list(changes.values()))


def report_start(
    *,
    report: Report,
    actor: ActorRef,
    events: Sequence[Event],
    alongside: Callable[[], Sequence[Statement]],
) -> None:
    """Store a new report and its first events. The row, its other rows (`alongside`, a
    callable returning INSERT statements built once the events are numbered) and the events
    go in one statement, atomic without a transaction block of its own. The report's short id
    is numbered in that statement and set on `report`."""
    report.short_id = ShortIdNext(  # type: ignore[assignment]
        prefix=settings.SHORT_ID_PREFIX, year=short_id_year(report.created_at)
    )

    def rows() -> list[Statement]:
        # Built once the events are numbered: the row carries the new last_event_seq.
        sql, params = insert_statement([report])
        return [(f'{sql} RETURNING "short_id"', params), *alongside()]

    _, report.short_id = events_write(
        batch=[(report, actor, event) for event in events],
        alongside=rows,
        returning="SELECT short_id FROM w0",
    )
    mark_stored(report)
