from celery import shared_task

from backend.common.dispatch import sweep_due

from .delivery import (
    DELIVERY_BATCH,
    DELIVERY_KINDS,
    deliveries_due,
    delivery_task,
    push_deliveries_send,
)
from .mail_sending import mail_deliveries_send
from .services import contact_details_erase, subscriptions_unconfirmed_expire


def _ids(delivery_ids: list[int] | int) -> list[int]:
    # A single id: a message queued before deliveries went in batches.
    return [delivery_ids] if isinstance(delivery_ids, int) else list(delivery_ids)


@shared_task(acks_late=True)
def mail_send(delivery_ids: list[int] | int) -> dict[int, str]:
    return mail_deliveries_send(delivery_ids=_ids(delivery_ids))


@shared_task(acks_late=True)
def push_send(delivery_ids: list[int] | int) -> dict[int, str]:
    return push_deliveries_send(delivery_ids=_ids(delivery_ids))


@shared_task
def deliveries_sweep() -> int:
    """Beat: queue the deliveries whose task never ran or whose retry is due."""
    return sum(
        sweep_due(
            deliveries_due(kind=kind),
            delivery_task(kind),
            what=f"{kind} deliveries",
            limit=500,
            batch=DELIVERY_BATCH,
        )
        for kind in DELIVERY_KINDS
    )


@shared_task
def contact_details_erase_due() -> int:
    """Beat, hourly: contact details no longer needed (closed reports, addresses nobody
    confirmed). Returns how many reports and subscriptions."""
    return contact_details_erase() + subscriptions_unconfirmed_expire()
