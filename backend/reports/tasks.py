import logging
import uuid
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from backend.common.dispatch import backoff, sweep_due

from .models import Attachment, IdempotencyKey
from .outbox import outbox_drain as outbox_drain_entries
from .outbox import outbox_entries_due, outbox_entries_publish, outbox_prune
from .services import attachment_mark_failed, attachment_process, sla_events_record
from .services.overview_cells import overview_cells_rebuild
from .services.photos import attachments_due
from .services.suggestions import suggestions_record

logger = logging.getLogger(__name__)

_PHOTO_RETRIES = 3


def photo_retry_wait(retries: int) -> timedelta:
    """How long a crashed photo task waits before its next try (``retries`` made so far)."""
    return backoff(retries + 1, base_seconds=5, cap_seconds=60)


@shared_task(acks_late=True)
def outbox_publish(entry_ids: list[int]) -> int:
    return outbox_entries_publish(entry_ids=entry_ids)


@shared_task(acks_late=True)
def outbox_drain() -> int:
    """Queued after commits (at most one at a time): publishes every fresh entry."""
    return outbox_drain_entries()


@shared_task(bind=True, acks_late=True, max_retries=3)
def suggestions_record_task(self, report_ids: list[str]) -> int:
    """Bookkeeping queue: the classifier's suggestions for a batch of new reports."""
    try:
        return suggestions_record(report_ids=[uuid.UUID(i) for i in report_ids])
    except Exception as exc:  # a passing database error; recording is idempotent
        raise self.retry(exc=exc, countdown=30 * (self.request.retries + 1)) from exc


@shared_task
def outbox_sweep() -> int:
    """Beat's safety net: publish whatever the on-commit dispatch did not get through."""
    # Published right here: the sweep is a worker's task already, and subscribers that need
    # no Redis (mail rows, assignments) get their events even while the broker is away.
    return sweep_due(
        outbox_entries_due(), outbox_publish, what="outbox entries", limit=500, in_process=True
    )


@shared_task(bind=True, acks_late=True, max_retries=_PHOTO_RETRIES)
def attachment_process_task(self, attachment_id: str) -> str:
    try:
        return attachment_process(attachment_id=uuid.UUID(attachment_id)).state
    except Attachment.DoesNotExist:
        return "missing"
    except Exception as exc:
        # An unexpected crash (not a bad photo: those are marked failed right away) may be
        # passing, e.g. a full disk; after a few tries the photo is given up on.
        if self.request.retries < _PHOTO_RETRIES:
            wait = photo_retry_wait(self.request.retries).total_seconds()
            raise self.retry(exc=exc, countdown=wait) from exc
        logger.exception("photo %s failed for good", attachment_id)
        return attachment_mark_failed(
            attachment_id=uuid.UUID(attachment_id), error=f"processing crashed: {exc!r}"
        ).state


@shared_task
def attachments_retry_pending() -> int:
    """Re-dispatch photos whose task is gone: a worker killed mid-photo, a broker that was
    down at intake or lost the task."""
    return sweep_due(attachments_due(), attachment_process_task, what="photos", limit=500)


@shared_task
def outbox_prune_published() -> int:
    return outbox_prune(older_than=timedelta(days=7))


@shared_task
def idempotency_keys_expire() -> int:
    cutoff = timezone.now() - timedelta(hours=settings.IDEMPOTENCY_KEY_TTL_HOURS)
    deleted, _ = IdempotencyKey.objects.filter(created_at__lt=cutoff).delete()
    return deleted


@shared_task
def sla_events_record_task() -> dict[str, int]:
    """Beat: deadline_warning and overdue events of the next batch of due reports."""
    run = sla_events_record()
    return {"warned": run.warned, "overdue": run.overdue}


@shared_task
def overview_cells_rebuild_task() -> int:
    """Beat: the city-level map's cells, counted again."""
    return overview_cells_rebuild()
