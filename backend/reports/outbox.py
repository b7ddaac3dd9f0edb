"""Fan-out of committed events to the subscribers other parts register.

The reports domain does not know who listens (WebSocket groups, e-mail, web push, contractor
webhooks): each registers a subscriber in its AppConfig.ready(). Each entry records which
subscribers already have it, so a retry after a partial failure reaches only the others.
"""

import logging
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .models import OutboxEntry, ReportEvent

logger = logging.getLogger(__name__)

Subscriber = Callable[[ReportEvent], None]
_subscribers: dict[str, Subscriber] = {}


def subscriber_register(name: str, handler: Subscriber) -> None:
    _subscribers[name] = handler


def subscriber_unregister(name: str) -> None:
    _subscribers.pop(name, None)


def subscribers() -> dict[str, Subscriber]:
    return dict(_subscribers)


def _backoff(attempts: int) -> timedelta:
    return timedelta(
        seconds=min(settings.OUTBOX_RETRY_AFTER_SECONDS * 2 ** min(attempts, 10), 3600)
    )


def outbox_entries_publish(*, entry_ids: list[int]) -> int:
    """Publish these entries unless another worker holds them or they are already published.

    Returns how many were published now. Runs each entry in its own transaction holding its
    row lock, so a retried task or a concurrent sweep never publishes an entry twice.
    """
    published = 0
    for entry_id in entry_ids:
        with transaction.atomic():
            entry = (
                OutboxEntry.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("event", "event__report")
                .filter(pk=entry_id, published_at__isnull=True)
                .first()
            )
            if entry is None:
                continue
            entry.attempts += 1
            failure = None
            for name, handler in _subscribers.items():
                if name in entry.delivered_to:
                    continue
                try:
                    handler(entry.event)
                except Exception as exc:  # any subscriber failure means "try again later"
                    failure = f"subscriber {name}: {exc!r}"
                    break
                entry.delivered_to.append(name)
            if failure:
                logger.warning("outbox entry %s not published: %s", entry.pk, failure)
                entry.last_error = failure[:2000]
                entry.next_attempt_at = timezone.now() + _backoff(entry.attempts)
                entry.save(
                    update_fields=["attempts", "delivered_to", "last_error", "next_attempt_at"]
                )
                continue
            entry.published_at = timezone.now()
            entry.save(update_fields=["attempts", "delivered_to", "published_at"])
            published += 1
    return published


def outbox_pending_ids(*, limit: int = 500) -> list[int]:
    """Entries due for (another) attempt, oldest first, so a report's events go out in order."""
    return list(
        OutboxEntry.objects.filter(
            published_at__isnull=True,
            next_attempt_at__lte=timezone.now(),
            attempts__lt=settings.OUTBOX_MAX_ATTEMPTS,
        )
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
