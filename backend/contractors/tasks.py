import uuid

from celery import shared_task

from .links import assignment_link_send
from .webhooks import webhook_dispatch, webhook_message_attempt, webhook_messages_due


@shared_task(acks_late=True)
def webhook_deliver(message_id: str) -> str:
    """One attempt; a failure schedules the next one (the sweep is the safety net)."""
    attempt = webhook_message_attempt(message_id=uuid.UUID(message_id))
    if attempt is None:
        return "not due"
    if attempt.next_attempt_at:
        webhook_dispatch(attempt.message_id, eta=attempt.next_attempt_at)
    return "delivered" if attempt.ok else "failed"


@shared_task
def webhooks_retry_due() -> int:
    """Beat: attempts whose scheduled task was lost (broker restart) still happen."""
    due = webhook_messages_due()
    for message_id in due:
        webhook_dispatch(message_id)
    return len(due)


@shared_task(bind=True, acks_late=True, max_retries=5)
def assignment_link_send_task(self, assignment_id: str) -> bool:
    try:
        return assignment_link_send(assignment_id=uuid.UUID(assignment_id)) is not None
    except Exception as exc:  # the mail server being away is worth a few retries
        raise self.retry(exc=exc, countdown=60 * 2**self.request.retries) from exc
