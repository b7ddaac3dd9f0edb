import uuid

from celery import shared_task
from django.utils import timezone

from backend.common.dispatch import dispatch, sweep_due

from .links import assignment_link_send
from .webhooks import webhook_message_attempt, webhook_messages_due


@shared_task(acks_late=True)
def webhook_deliver(message_id: str) -> str:
    """One attempt; a failure schedules the next one (the sweep is the safety net)."""
    attempt = webhook_message_attempt(message_id=uuid.UUID(message_id))
    if attempt is None:
        return "not due"
    if attempt.next_attempt_at:
        wait = (attempt.next_attempt_at - timezone.now()).total_seconds()
        dispatch(webhook_deliver, [attempt.message_id], what="webhook messages", countdown=wait)
    return "delivered" if attempt.ok else "failed"


@shared_task
def webhooks_retry_due() -> int:
    """Beat: attempts whose scheduled task was lost (broker restart) still happen."""
    return sweep_due(webhook_messages_due(), webhook_deliver, what="webhook messages", limit=200)


@shared_task(bind=True, acks_late=True, max_retries=5)
def assignment_link_send_task(self, assignment_id: str) -> bool:
    try:
        return assignment_link_send(assignment_id=uuid.UUID(assignment_id)) is not None
    except Exception as exc:  # the mail server being away is worth a few retries
        raise self.retry(exc=exc, countdown=60 * 2**self.request.retries) from exc
