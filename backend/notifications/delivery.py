"""E-mail and web push: one delivery row per (event, recipient), sent by a task, at most once.

The outbox subscriber only writes rows (unique per event and recipient, so a retried batch
adds nothing) and queues their tasks after commit. A task locks its row and sends only while
it is pending, so a task that runs twice sends once. Failures are retried with exponential
backoff (by the task itself, and by beat's sweep for tasks that never ran); after
DELIVERY_MAX_ATTEMPTS the row fails and the report gets an internal ``mail_failed`` /
``push_failed`` event.
"""

import contextlib
import json
import logging
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pywebpush
from celery import Task
from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from backend.common.dispatch import backoff, dispatch_batches_on_commit
from backend.reports.actors import ActorRef
from backend.reports.catalogue import FollowerAdded, MailFailed, PushFailed, event_of
from backend.reports.change import report_change
from backend.reports.models import Report, ReportEvent
from backend.reports.presentation import public_event

from .mail import MailTemplates, mail_render, resident_links
from .models import Delivery, MailDelivery, PushDelivery, Subscription
from .services.subscriptions import reporter_subscriptions_ensure

logger = logging.getLogger(__name__)

# What residents hear about by mail and push: receipt, and every public status change but the
# resident's own (a reply, a reopen request: the API call answers those, and the socket shows
# them on the timeline).
_MODELS: dict[str, type[MailDelivery] | type[PushDelivery]] = {
    "mail": MailDelivery,
    "push": PushDelivery,
}
DELIVERY_KINDS = tuple(_MODELS)


def _due(event: ReportEvent) -> bool:
    if _confirmation_for(event):
        return True
    if not event.is_public:
        return False
    if event.type == ReportEvent.Type.CREATED:
        return True
    return event.type == ReportEvent.Type.STATUS_CHANGED and event.actor_kind != "resident"


def _confirmation_for(event: ReportEvent) -> str | None:
    """The subscription a `follower_added` event asks the address owner to confirm, if any.

    (The fan-out loads no internal payloads; reading this one costs a query, for this rare
    event type only.)"""
    if event.type != ReportEvent.Type.FOLLOWER_ADDED:
        return None
    added = event_of(event, FollowerAdded)
    return added.subscription if added.confirm else None


def deliveries_create(events: list[ReportEvent]) -> None:
    """Outbox subscriber: a delivery row per event and subscription, tasks queued on commit.

    A public event goes to every confirmed subscription of its report that existed by then; a
    follower's confirmation request (see subscription_add) to that one unconfirmed address.
    Two queries for a batch without subscribers (the usual case under load), whatever its size.
    """
    due = [event for event in events if _due(event)]
    if not due:
        return
    created = [event.report_id for event in due if event.type == ReportEvent.Type.CREATED]
    if created:
        reporter_subscriptions_ensure(report_ids=created)
    by_report: dict[uuid.UUID, list[tuple[uuid.UUID, str, Any]]] = {}
    for subscription_id, report_id, channel, confirmed_at in Subscription.objects.filter(
        report_id__in={event.report_id for event in due}
    ).values_list("id", "report_id", "channel", "confirmed_at"):
        by_report.setdefault(report_id, []).append((subscription_id, channel, confirmed_at))
    if not by_report:
        return
    retry_at = timezone.now() + timedelta(seconds=settings.DELIVERY_RETRY_SECONDS)
    rows: dict[str, list[Delivery]] = {"mail": [], "push": []}
    for event in due:
        confirming = _confirmation_for(event)
        for subscription_id, channel, confirmed_at in by_report.get(event.report_id, []):
            if confirming is not None:
                if str(subscription_id) != confirming or confirmed_at is not None:
                    continue  # only the address to confirm, and only while it is not
            elif confirmed_at is None or confirmed_at > event.created_at:
                continue  # not confirmed, or subscribed after this event
            kind = "mail" if channel == Subscription.Channel.EMAIL else "push"
            rows[kind].append(
                _MODELS[kind](
                    event_id=event.pk,
                    subscription_id=subscription_id,
                    recipient=subscription_id,
                    next_attempt_at=retry_at,
                )
            )
    event_ids = [event.pk for event in due]
    queued: dict[str, list[int]] = {}
    for kind, objects in rows.items():
        if not objects:
            continue
        model = _MODELS[kind]
        model.objects.bulk_create(objects, ignore_conflicts=True)  # type: ignore[arg-type]
        queued[kind] = list(
            model.objects.filter(event_id__in=event_ids, state=Delivery.State.PENDING)
            .order_by("event_id", "pk")
            .values_list("pk", flat=True)
        )
    for kind, ids in queued.items():
        # A delivery whose task the broker never got stays pending: the sweep sends it.
        dispatch_batches_on_commit(
            delivery_task(kind), ids, size=DELIVERY_BATCH, what=f"{kind} deliveries"
        )


def delivery_task(kind: str) -> Task:
    """The task that sends a batch of deliveries of this kind ("mail" or "push")."""
    from .tasks import mail_send, push_send

    return {"mail": mail_send, "push": push_send}[kind]


def delivery_retry_wait(attempts: int) -> timedelta:
    """How long a delivery waits after its ``attempts``-th failed attempt."""
    return backoff(attempts, base_seconds=settings.DELIVERY_RETRY_SECONDS, cap_seconds=6 * 3600)


# Deliveries one task sends: one locking read, one template lookup and one SMTP connection
# serve them all.
DELIVERY_BATCH = 100


def _locked_pending(kind: str, delivery_ids: list[int]) -> tuple[list[Delivery], set[int]]:
    """The pending deliveries to the recipients of these ones, up to the last of them, oldest
    event first, locked; and which of them were asked for.

    Every task locks rows in this one order (event, then id), so two tasks never deadlock; a
    delivery sent meanwhile (by a task that ran twice) is simply not among them.
    """
    model = _MODELS[kind]
    targets = list(
        model.objects.filter(pk__in=delivery_ids, state=Delivery.State.PENDING).values_list(
            "pk", "recipient", "event_id"
        )
    )
    if not targets:
        return [], set()
    last: dict[uuid.UUID, int] = {}
    for _, recipient, event_id in targets:
        last[recipient] = max(event_id, last.get(recipient, event_id))
    rows = list(
        model.objects.select_for_update(of=("self",))
        .select_related(
            "subscription",
            "event",
            "event__report",
            "event__report__category",
            "event__report__address",
        )
        # What a mail or a push reads of a report; its geometry and contact details stay put.
        .defer("event__report__location", "event__report__text", "event__internal_payload")
        .filter(
            recipient__in=list(last),
            event_id__lte=max(last.values()),
            state=Delivery.State.PENDING,
        )
        .order_by("event_id", "pk")
    )
    wanted = {pk for pk, _, _ in targets}
    return [row for row in rows if row.event_id <= last[row.recipient]], wanted


def _hold(
    kind: str, later: list[Delivery], wanted: set[int], until: datetime, outcomes: dict[int, str]
) -> None:
    """The asked-for deliveries among ``later`` wait behind an earlier one: due again just
    after it, when the sweep sends them."""
    held = [row.pk for row in later if row.pk in wanted]
    if held:
        _MODELS[kind].objects.filter(pk__in=held).update(
            next_attempt_at=until + timedelta(seconds=1)
        )
    outcomes.update(dict.fromkeys(held, "waiting"))


def _send_batch(kind: str, delivery_ids: list[int], send_one) -> dict[int, str]:
    """Send these deliveries, each after whatever its recipient has pending before it.

    A recipient gets a report's events in order even when tasks run out of order (the broker
    was down, a retry was queued behind later events). An earlier delivery still backing off
    holds the later ones back until it has gone or failed for good. Returns the outcome of
    each delivery asked for that was pending.
    """
    rows, wanted = _locked_pending(kind, delivery_ids)
    now = timezone.now()
    by_recipient: dict[uuid.UUID, list[Delivery]] = {}
    for row in rows:
        by_recipient.setdefault(row.recipient, []).append(row)
    outcomes: dict[int, str] = {}
    sent: list[int] = []
    for queue in by_recipient.values():
        for index, row in enumerate(queue):
            if row.pk not in wanted and row.attempts and row.next_attempt_at > now:
                _hold(kind, queue[index:], wanted, row.next_attempt_at, outcomes)
                break
            outcome = send_one(row)
            if outcome == "sent":
                sent.append(row.pk)
            if row.pk in wanted:
                outcomes[row.pk] = outcome
            if outcome == "retrying" and index + 1 < len(queue):
                _hold(kind, queue[index + 1 :], wanted, row.next_attempt_at, outcomes)
                break
    if sent:
        _MODELS[kind].objects.filter(pk__in=sent).update(
            state=Delivery.State.SENT, attempts=F("attempts") + 1, sent_at=timezone.now()
        )
    return outcomes


def _failed(kind: str, delivery: Delivery, exc: BaseException) -> str:
    """Record a failed attempt (called with the row locked); the last one writes an event."""
    delivery.attempts += 1
    delivery.last_error = f"{type(exc).__name__}: {exc}"[:2000]
    if delivery.attempts < settings.DELIVERY_MAX_ATTEMPTS:
        wait = delivery_retry_wait(delivery.attempts)
        # The sweep is the safety net; it looks only after the task's own retry is due.
        delivery.next_attempt_at = timezone.now() + wait + timedelta(seconds=30)
        delivery.save(update_fields=["attempts", "last_error", "next_attempt_at"])
        dispatch_batches_on_commit(
            delivery_task(kind),
            [delivery.pk],
            size=1,
            what=f"{kind} deliveries",
            countdown=wait.total_seconds(),
        )
        return "retrying"
    delivery.state = Delivery.State.FAILED
    delivery.save(update_fields=["attempts", "last_error", "state"])
    failed = MailFailed if kind == "mail" else PushFailed
    with report_change(report_id=delivery.event.report_id, actor=ActorRef.system()) as change:
        change.record(
            failed(
                event_seq=delivery.event.seq,
                delivery=delivery.pk,
                attempts=delivery.attempts,
                error=delivery.last_error[:300],
            )
        )
    logger.warning("%s delivery %s failed for good: %s", kind, delivery.pk, delivery.last_error)
    return "failed"


def _sent(delivery: Delivery) -> str:
    # Saved with the rest of the batch, in one UPDATE (_send_batch).
    delivery.state = Delivery.State.SENT
    return "sent"


def _dropped(delivery: Delivery) -> str:
    delivery.state = Delivery.State.DROPPED
    delivery.save(update_fields=["state"])
    return "dropped"


@transaction.atomic
def mail_deliveries_send(*, delivery_ids: list[int]) -> dict[int, str]:
    """Send these mails (each after any earlier one to the same address) unless they went
    already, over one connection to the mail server."""
    templates = MailTemplates()
    connection = get_connection()
    with _opened(connection):
        return _send_batch(
            "mail",
            delivery_ids,
            lambda row: _mail_send_one(row, templates=templates, connection=connection),
        )


def mail_delivery_send(*, delivery_id: int) -> str:
    """Send one mail; "skipped" when it went already (a task that ran twice)."""
    return mail_deliveries_send(delivery_ids=[delivery_id]).get(delivery_id, "skipped")


@contextlib.contextmanager
def _opened(connection: Any) -> Iterator[None]:
    # One connection for the whole batch; a backend that cannot hold one open sends alone.
    with contextlib.suppress(Exception):
        connection.open()
    try:
        yield
    finally:
        with contextlib.suppress(Exception):
            connection.close()


def _mail_send_one(delivery: Delivery, *, templates: MailTemplates, connection: Any) -> str:
    subscription = delivery.subscription
    if subscription is None or not subscription.email:
        return _dropped(delivery)
    report = delivery.event.report
    mail = mail_render(
        event=delivery.event, report=report, subscription=subscription, templates=templates
    )
    message = EmailMessage(
        subject=mail.subject,
        body=mail.body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[subscription.email],
        headers={
            # RFC 8058 one-click unsubscribe: mail clients POST to the link.
            "List-Unsubscribe": f"<{mail.unsubscribe_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Auto-Submitted": "auto-generated",
        },
        connection=connection,
    )
    try:
        message.send()
    except Exception as exc:  # SMTP errors come in many types
        # The connection may be broken: the next mail of the batch opens a fresh one.
        with contextlib.suppress(Exception):
            connection.close()
            connection.open()
        return _failed("mail", delivery, exc)
    return _sent(delivery)


def push_payload(event: ReportEvent, report: Report, subscription: Subscription) -> str:
    shell = Report(id=report.id, language=subscription.language)
    links = resident_links(report, subscription)
    body: dict[str, Any] = {"type": "report.event", "event": public_event(event, shell)}
    if subscription.origin == Subscription.Origin.REPORTER:
        body["url"] = links["tracking_url"]  # see mail_render: the key is the reporter's only
    return json.dumps(body)


@transaction.atomic
def push_deliveries_send(*, delivery_ids: list[int]) -> dict[int, str]:
    """Send these web pushes unless they went already. A 404/410 answer removes the
    subscription."""
    return _send_batch("push", delivery_ids, _push_send_one)


def push_delivery_send(*, delivery_id: int) -> str:
    return push_deliveries_send(delivery_ids=[delivery_id]).get(delivery_id, "skipped")


def _push_send_one(delivery: Delivery) -> str:
    subscription = delivery.subscription
    if subscription is None or not subscription.endpoint:
        return _dropped(delivery)
    if not (settings.VAPID_PRIVATE_KEY and settings.VAPID_PUBLIC_KEY):
        return _failed("push", delivery, RuntimeError("web push is not configured (VAPID keys)"))
    try:
        pywebpush.webpush(
            subscription_info={
                "endpoint": subscription.endpoint,
                "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth},
            },
            data=push_payload(delivery.event, delivery.event.report, subscription),
            vapid_private_key=settings.VAPID_PRIVATE_KEY,
            vapid_claims={"sub": settings.VAPID_SUBJECT},
            ttl=settings.PUSH_TTL_SECONDS,
            timeout=settings.PUSH_TIMEOUT_SECONDS,
        )
    except pywebpush.WebPushException as exc:
        status = getattr(exc.response, "status_code", None)
        if status in (404, 410):
            # The browser dropped the subscription: forget it, and every pending push to it.
            Subscription.objects.filter(pk=subscription.pk).delete()
            delivery.subscription = None
            delivery.last_error = f"push service answered {status}: subscription gone"
            delivery.state = Delivery.State.DROPPED
            delivery.save(update_fields=["state", "last_error"])
            return "gone"
        return _failed("push", delivery, exc)
    except Exception as exc:
        return _failed("push", delivery, exc)
    return _sent(delivery)


def deliveries_due(*, kind: str) -> QuerySet[Any, int]:
    """Pending deliveries whose task has not run (broker was down) or whose retry is due, in
    the order their recipients get them."""
    return (
        _MODELS[kind]
        .objects.filter(state=Delivery.State.PENDING, next_attempt_at__lte=timezone.now())
        .order_by("event_id", "pk")
        .values_list("pk", flat=True)
    )
