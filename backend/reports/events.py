"""Appending to a report's history and handing each new event to the outbox."""

import json
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from backend.common.prepared import prepared_cursor

from .models import Report
from .outbox import outbox_kick
from .workflow import Actor

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ActorRef:
    """Who made a change: a kind, and the user where there is one."""

    kind: Actor
    user: Any = None

    @classmethod
    def system(cls) -> "ActorRef":
        return cls(kind=Actor.SYSTEM)

    @classmethod
    def resident(cls) -> "ActorRef":
        return cls(kind=Actor.RESIDENT)

    @classmethod
    def staff(cls, user: Any) -> "ActorRef":
        return cls(kind=Actor.STAFF, user=user)

    @classmethod
    def contractor(cls, user: Any = None) -> "ActorRef":
        """A contractor's API user, or None for someone acting through a one-time link."""
        return cls(kind=Actor.CONTRACTOR, user=user)


@dataclass
class NewEvent:
    type: str
    public: bool = False
    public_payload: dict[str, Any] = field(default_factory=dict)
    internal_payload: dict[str, Any] = field(default_factory=dict)


# One statement for both tables: appending is on every write path, intake included, and the
# ORM's two bulk inserts cost three times the database's own work. `{alongside}` carries other
# INSERTs of the same change as data-modifying CTEs (see events_write).
_APPEND_SQL = """
    WITH {alongside}appended AS (
        INSERT INTO reports_reportevent
            (report_id, seq, type, is_public, actor_kind, actor_id, public_payload,
             internal_payload, created_at)
        VALUES {rows}
        RETURNING id
    )
    INSERT INTO reports_outboxentry
        (event_id, created_at, next_attempt_at, attempts, delivered_to, last_error)
    SELECT id, %s, %s, 0, '[]'::jsonb, '' FROM appended
    RETURNING id
"""
_ROW = "(%s, %s, %s, %s, %s, %s, %s::jsonb, %s::jsonb, %s)"


def events_append(*, report: Report, actor: ActorRef, events: Iterable[NewEvent]) -> int:
    """Append events to a report whose row the caller holds locked (or has just inserted).

    Numbers them after ``report.last_event_seq``, stores them with their outbox entries and
    schedules publication after commit. The caller saves ``last_event_seq`` with its change.
    Returns how many events were appended.
    """
    return events_append_many(actor=actor, batch=[(report, events)])


def events_append_many(
    *, actor: ActorRef, batch: Iterable[tuple[Report, Iterable[NewEvent]]]
) -> int:
    """`events_append` for several reports in one statement (a worker handling a batch)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("events_append must run inside the transaction of the change")
    return events_write(actor=actor, batch=batch)


def events_write(
    *,
    actor: ActorRef,
    batch: Iterable[tuple[Report, Iterable[NewEvent]]],
    alongside: Callable[[], Sequence[tuple[str, list[Any]]]] | None = None,
) -> int:
    """Store the events with their outbox entries, and with them the INSERTs `alongside`
    returns (SQL and parameters each), as ONE statement; publication is scheduled after
    commit. `alongside` is called once the events are numbered, so the rows it builds carry
    each report's new last_event_seq.

    A change made entirely of inserts (a new report: its row, area links, attachments) thus
    needs no transaction block: the statement is atomic on its own, and intake saves the
    BEGIN and COMMIT round trips. Any other change must run inside its transaction (see
    events_append_many). Returns how many events were stored.
    """
    now = timezone.now()
    params: list[Any] = []
    count = 0
    for report, events in batch:
        for new in events:
            report.last_event_seq += 1
            count += 1
            params += [
                report.pk,
                report.last_event_seq,
                new.type,
                new.public,
                actor.kind.value,
                getattr(actor.user, "pk", None),
                json.dumps(new.public_payload, cls=DjangoJSONEncoder),
                json.dumps(new.internal_payload, cls=DjangoJSONEncoder),
                now,
            ]
    if not count:
        if alongside:
            raise ValueError("rows alongside no events")
        return 0
    inserts = alongside() if alongside else ()
    params = [p for _, extra in inserts for p in extra] + params
    # The publish task normally runs within milliseconds; the sweep only picks an entry up
    # after this delay, so it does not race the task it is a safety net for.
    retry_at = now + timedelta(seconds=settings.OUTBOX_RETRY_AFTER_SECONDS)
    sql = _APPEND_SQL.format(
        alongside="".join(f"w{i} AS ({statement}), " for i, (statement, _) in enumerate(inserts)),
        rows=", ".join([_ROW] * count),
    )
    with prepared_cursor() as cursor:
        cursor.execute(sql, [*params, now, retry_at])
        entries = len(cursor.fetchall())
    # Tell the publisher after commit. A broker outage is not an error here: the entries stay
    # in the outbox and the sweep delivers them when the broker is back.
    transaction.on_commit(lambda: outbox_kick(pending=entries))
    return count
