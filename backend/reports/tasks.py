import logging
import uuid
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from .models import Attachment, IdempotencyKey
from .outbox import outbox_drain as outbox_drain_entries
from .outbox import outbox_entries_publish, outbox_pending_ids, outbox_prune
from .services import attachment_mark_failed, attachment_process

logger = logging.getLogger(__name__)

_PHOTO_RETRIES = 3


@shared_task(acks_late=True)
def outbox_publish(entry_ids: list[int]) -> int:
    return outbox_entries_publish(entry_ids=entry_ids)


@shared_task(acks_late=True)
def outbox_drain() -> int:
    """Queued after commits (at most one at a time): publishes every fresh entry."""
    return outbox_drain_entries()


@shared_task
def outbox_sweep() -> int:
    """Beat's safety net: publish whatever the on-commit dispatch did not get through."""
    return outbox_entries_publish(entry_ids=outbox_pending_ids())


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
            raise self.retry(exc=exc, countdown=5 * 2**self.request.retries) from exc
        logger.exception("photo %s failed for good", attachment_id)
        return attachment_mark_failed(
            attachment_id=uuid.UUID(attachment_id), error=f"processing crashed: {exc!r}"
        ).state


@shared_task
def attachments_retry_pending() -> int:
    """Re-dispatch photos left pending, e.g. because the broker was down at intake."""
    stale = timezone.now() - timedelta(minutes=5)
    ids = list(
        Attachment.objects.filter(state=Attachment.State.PENDING, created_at__lt=stale).values_list(
            "id", flat=True
        )[:500]
    )
    for attachment_id in ids:
        attachment_process_task.delay(str(attachment_id))
    return len(ids)


@shared_task
def outbox_prune_published() -> int:
    return outbox_prune(older_than=timedelta(days=7))


@shared_task
def idempotency_keys_expire() -> int:
    cutoff = timezone.now() - timedelta(hours=settings.IDEMPOTENCY_KEY_TTL_HOURS)
    deleted, _ = IdempotencyKey.objects.filter(created_at__lt=cutoff).delete()
    return deleted
