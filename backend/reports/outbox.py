"""Fan-out of committed events to the subscribers in the fan-out table.

The reports domain does not know who listens (WebSocket groups, e-mail, web push, contractor
webhooks): the composition root names them in one table (settings.REPORT_FANOUT, the import
path of a sequence of `Subscriber`), each with the event types it consumes. Each entry
records which subscribers already have it, so a retry after a partial failure reaches only
the others.
"""

import contextlib
import logging
import uuid
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import timedelta
from functools import cache
from time import sleep
from typing import Any

import redis
from celery import current_app
from django.conf import settings
from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.module_loading import import_string

from backend.common.dispatch import backoff, broker_unavailable, tasks_send

from .models import OutboxEntry, ReportEvent

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Subscriber:
    """A consumer of committed events: it gets a batch of the types it takes, oldest first."""

    # Stored in each entry's delivered_to: a subscriber's name never changes.
    name: str
    handler: Callable[[list[ReportEvent]], None]
    # None: every event.
    types: Collection[str] | None = None

    def wants(self, event: ReportEvent) -> bool:
        return self.types is None or event.type in self.types


@cache
def _fanout(path: str) -> Sequence[Subscriber]:
    table: Sequence[Subscriber] = import_string(path)
    return table


def subscribers() -> Sequence[Subscriber]:
    return _fanout(settings.REPORT_FANOUT)


def outbox_retry_wait(failures: int) -> timedelta:
    """How long an entry waits after its ``failures``-th failed attempt."""
    # An entry already waited once before its first attempt (see sql.py): a failure takes
    # the policy's next step.
    return backoff(failures + 1, base_seconds=settings.OUTBOX_RETRY_AFTER_SECONDS, cap_seconds=3600)


def outbox_entries_publish(*, entry_ids: list[int]) -> int:
    """Publish these entries unless another worker holds them or they are already published.

    Returns how many were published now. The batch is held locked while its subscribers run,
    so a retried task or a concurrent sweep never publishes an entry twice; a subscriber that
    fails leaves the others' deliveries standing and is retried alone later.
    """
    with transaction.atomic():
        entries = list(
            OutboxEntry.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("event", "event__report")
            # What subscribers read of a report; loading the rest (a geometry, the contact
            # details) would cost more than the fan-out and widen what leaves this module.
            .only(
                "delivered_to",
                "attempts",
                "event__seq",
                "event__type",
                "event__is_public",
                "event__actor_kind",
                "event__public_payload",
                "event__created_at",
                "event__report__id",
                "event__report__status",
                "event__report__language",
            )
            .filter(pk__in=entry_ids, published_at__isnull=True)
            .order_by("pk")
        )
        if not entries:
            return 0
        failures: list[str] = []
        for subscriber in subscribers():
            name = subscriber.name
            todo = [entry for entry in entries if name not in entry.delivered_to]
            wanted = [entry.event for entry in todo if subscriber.wants(entry.event)]
            if wanted:
                try:
                    subscriber.handler(wanted)
                except Exception as exc:  # any subscriber failure means "try again later"
                    failures.append(f"subscriber {name}: {exc!r}")
                    continue
            for entry in todo:
                entry.delivered_to.append(name)
        now = timezone.now()
        # One UPDATE per distinct delivery state (normally one): bulk_update's CASE expressions
        # cost more than the whole fan-out.
        groups: dict[tuple[str, ...], list[int]] = {}
        for entry in entries:
            groups.setdefault(tuple(entry.delivered_to), []).append(entry.pk)
        for delivered_to, pks in groups.items():
            changes: dict[str, Any] = {
                "attempts": F("attempts") + 1,
                "delivered_to": list(delivered_to),
            }
            if failures:
                changes["last_error"] = "; ".join(failures)[:2000]
                changes["next_attempt_at"] = now + outbox_retry_wait(entries[0].attempts + 1)
            else:
                changes["published_at"] = now
            OutboxEntry.objects.filter(pk__in=pks).update(**changes)
    if failures:
        logger.warning("%d outbox entries not published: %s", len(entries), failures)
        return 0
    return len(entries)


# At most one drain task is queued at a time: under load many commits share one task (and one
# transaction, one Redis round trip per subscriber) instead of each paying for its own.
_KICK_KEY = "meldpunt:outbox:kick"
# Long enough to cover a queued task; short enough that a lost one is soon replaced.
_KICK_TTL_MS = 2000
_kick_clients: dict[str, redis.Redis] = {}
_DRAIN_BATCH = 200


def _kick_client() -> redis.Redis:
    # The broker's own Redis: the flag and the task it stands for live and fail together.
    url = current_app.conf.broker_url
    if url not in _kick_clients:
        _kick_clients[url] = redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)
    return _kick_clients[url]


def outbox_kick(*, pending: int) -> None:
    """After commit: make sure a drain task is on its way (cheap when one already is)."""
    from .tasks import outbox_drain

    client = _kick_client()
    try:
        if not client.set(_KICK_KEY, 1, nx=True, px=_KICK_TTL_MS):
            return
    except Exception:  # the flag lives on the broker: the task could not be queued either
        broker_unavailable(what="outbox entries", waiting=pending)
        return
    if not tasks_send(outbox_drain, [()], what="outbox entries", waiting=pending):
        # A flag without its task would keep the next commits from queueing one.
        with contextlib.suppress(Exception):
            client.delete(_KICK_KEY)


def outbox_publish_after_commit(*, entry_ids: list[int]) -> None:
    """Publish a change's own entries in the process that committed it, then and there.

    Under an intake burst the drain task works through thousands of entries in order, and a
    dispatcher's close would wait behind all of them for its push, mail and webhook; a
    person's change is published at once instead. Only the fast path: whatever is not
    published here (a subscriber failed, the database or Redis away) is still due, for the
    drain this kicks or else the sweep.
    """
    try:
        published = outbox_entries_publish(entry_ids=entry_ids)
    except Exception:  # after commit nothing may fail the change that is already stored
        logger.exception("publishing %d outbox entries after commit failed", len(entry_ids))
        published = 0
    if published < len(entry_ids):
        outbox_kick(pending=len(entry_ids) - published)


# Held by the one drain that runs: the kick flag lapses when a batch outlasts its TTL (a loaded
# machine), and a second drain would then take the worker's other slot too, leaving none for
# the mails, pushes and webhooks the drain itself queues.
_DRAINING_KEY = "meldpunt:outbox:draining"
# Refreshed after every batch; a drain killed mid-batch holds the others off this long at most.
_DRAINING_TTL_MS = 30_000
_RELEASE_IF_OURS = (
    "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0"
)


def outbox_drain() -> int:
    """Publish every entry never tried yet, batch after batch, until none is left.

    One drain runs at a time: a drain task that finds another running returns at once, and
    the running one looks at the kick flag after it lets go, so a commit that came in between
    is not left to the sweep. The kick flag stays set while draining, so commits meanwhile
    queue no further tasks; it is cleared before one last pass, so a commit after that queues
    a task of its own.
    """
    client = _kick_client()
    total = 0
    while True:
        mine = uuid.uuid4().hex
        try:
            if not client.set(_DRAINING_KEY, mine, nx=True, px=_DRAINING_TTL_MS):
                return total
        except Exception:  # Redis away: draining twice is safe (locked rows), only wasteful
            logger.warning("outbox drain lock unavailable; draining without it")
        try:
            total += _drain_pass(client)
            with contextlib.suppress(Exception):
                client.delete(_KICK_KEY)
            total += _drain_pass(None)
        finally:
            with contextlib.suppress(Exception):
                client.eval(_RELEASE_IF_OURS, 1, _DRAINING_KEY, mine)
        try:
            if not client.exists(_KICK_KEY):
                return total
        except Exception:
            return total


def _drain_pass(client: redis.Redis | None) -> int:
    total = 0
    window = settings.OUTBOX_BATCH_WINDOW_MS / 1000
    while True:
        ids = list(
            OutboxEntry.objects.filter(published_at__isnull=True, attempts=0)
            .order_by("pk")
            .values_list("pk", flat=True)[:_DRAIN_BATCH]
        )
        published = outbox_entries_publish(entry_ids=ids) if ids else 0
        total += published
        if not ids or not published:
            return total
        if client is not None:
            with contextlib.suppress(Exception):
                # Still draining: keep the commits from queueing more drains meanwhile.
                client.pexpire(_KICK_KEY, _KICK_TTL_MS)
                client.pexpire(_DRAINING_KEY, _DRAINING_TTL_MS)
        if window and len(ids) < _DRAIN_BATCH:
            sleep(window)  # events are still arriving: let the next batch fill up


def outbox_prune(*, older_than: timedelta) -> int:
    """Forget entries published long ago; the events themselves stay for good."""
    cutoff = timezone.now() - older_than
    deleted, _ = OutboxEntry.objects.filter(published_at__lt=cutoff).delete()
    return deleted


def outbox_entries_due() -> QuerySet[OutboxEntry, int]:
    """Entries due for (another) attempt, oldest first, so a report's events go out in order."""
    return (
        OutboxEntry.objects.filter(
            published_at__isnull=True,
            next_attempt_at__lte=timezone.now(),
            attempts__lt=settings.OUTBOX_MAX_ATTEMPTS,
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
