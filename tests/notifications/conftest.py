"""Helpers for the push channels: deliver what the outbox holds, as the worker would."""

from backend.notifications.delivery import push_delivery_send
from backend.notifications.mail_sending import mail_delivery_send
from backend.notifications.models import Delivery, MailDelivery, PushDelivery
from backend.reports.models import OutboxEntry
from backend.reports.outbox import outbox_entries_publish


def publish() -> int:
    """Fan out every unpublished event (the drain task's job), oldest first."""
    ids = list(
        OutboxEntry.objects.filter(published_at__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    return outbox_entries_publish(entry_ids=ids) if ids else 0


def deliver() -> list[str]:
    """publish(), then run the send task of every pending delivery, as a worker would."""
    publish()
    outcomes = []
    for model, send in ((MailDelivery, mail_delivery_send), (PushDelivery, push_delivery_send)):
        ids = (
            model.objects.filter(state=Delivery.State.PENDING)
            .order_by("event_id", "pk")
            .values_list("pk", flat=True)
        )
        outcomes += [send(delivery_id=pk) for pk in list(ids)]
    return outcomes


PUSH_SUBSCRIPTION = {
    "endpoint": "https://push.example.net/send/abc123",
    "keys": {
        # A real P-256 public key (uncompressed point) and a 16-byte auth secret.
        "p256dh": "BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1Xbjh"
        "azAkj7I99e8QcYP7DkM",
        "auth": "tBHItJI5svbpez7KI4CCXg",
    },
}
