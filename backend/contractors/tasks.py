import uuid

from celery import shared_task
from django.utils import timezone

from backend.common.dispatch import dispatch, sweep_due

from .links import link_mail_send, link_mails_due
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


@shared_task(acks_late=True)
def assignment_link_send_task(assignment_id: str) -> str:
    """Mail an assignment's one-time link; a refused mail is tried again later."""
    return link_mail_send(assignment_id=uuid.UUID(assignment_id))


@shared_task
def link_mails_sweep() -> int:
    """Beat: link mails whose task never ran (broker away) or whose retry is due."""
    return sweep_due(
        link_mails_due(), assignment_link_send_task, what="contractor link mails", limit=200
    )
