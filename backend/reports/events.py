"""Appending to a report's history and handing each new event to the outbox."""

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .models import OutboxEntry, Report, ReportEvent
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


@dataclass
class NewEvent:
    type: str
    public: bool = False
    public_payload: dict[str, Any] = field(default_factory=dict)
    internal_payload: dict[str, Any] = field(default_factory=dict)


def events_append(
    *, report: Report, actor: ActorRef, events: Iterable[NewEvent]
) -> list[ReportEvent]:
    """Append events to a report whose row the caller holds locked (or has just inserted).

    Numbers them after ``report.last_event_seq``, stores them with their outbox entries and
    schedules publication after commit. The caller saves ``last_event_seq`` with its change.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("events_append must run inside the transaction of the change")
    rows = []
    for new in events:
        report.last_event_seq += 1
        rows.append(
            ReportEvent(
                report=report,
                seq=report.last_event_seq,
                type=new.type,
                is_public=new.public,
                actor_kind=actor.kind.value,
                actor=actor.user,
                public_payload=new.public_payload,
                internal_payload=new.internal_payload,
            )
        )
    created = ReportEvent.objects.bulk_create(rows)
    # The publish task normally runs within milliseconds; the sweep only picks an entry up
    # after this delay, so it does not race the task it is a safety net for.
    retry_at = timezone.now() + timedelta(seconds=settings.OUTBOX_RETRY_AFTER_SECONDS)
    entries = OutboxEntry.objects.bulk_create(
        [OutboxEntry(event=event, next_attempt_at=retry_at) for event in created]
    )
    entry_ids = [entry.pk for entry in entries]
    transaction.on_commit(lambda: outbox_dispatch(entry_ids))
    return created


def outbox_dispatch(entry_ids: list[int]) -> None:
    """Hand committed entries to the publisher task. A broker outage is not an error here:
    the entries stay in the outbox and the sweep delivers them when the broker is back."""
    from .tasks import outbox_publish

    try:
        # No retry loop here: the request must not wait on a broker that is down.
        outbox_publish.apply_async((entry_ids,), retry=False)
    except Exception:  # kombu raises several unrelated types for "broker unreachable"
        logger.warning("broker unavailable; %d outbox entries wait for the sweep", len(entry_ids))
