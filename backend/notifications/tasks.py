from celery import shared_task

from backend.common.dispatch import sweep_due

from .delivery import (
    DELIVERY_KINDS,
    deliveries_due,
    delivery_task,
    mail_delivery_send,
    push_delivery_send,
)
from .services import contact_details_erase, subscriptions_unconfirmed_expire


@shared_task(acks_late=True)
def mail_send(delivery_id: int) -> str:
    return mail_delivery_send(delivery_id=delivery_id)


@shared_task(acks_late=True)
def push_send(delivery_id: int) -> str:
    return push_delivery_send(delivery_id=delivery_id)


@shared_task
def deliveries_sweep() -> int:
    """Beat: queue the deliveries whose task never ran or whose retry is due."""
    return sum(
        sweep_due(
            deliveries_due(kind=kind), delivery_task(kind), what=f"{kind} deliveries", limit=500
        )
        for kind in DELIVERY_KINDS
    )


@shared_task
def contact_details_erase_due() -> int:
    """Beat, hourly: contact details no longer needed (closed reports, addresses nobody
    confirmed). Returns how many reports and subscriptions."""
    return contact_details_erase() + subscriptions_unconfirmed_expire()
