"""Sending e-mail deliveries: the mail side of delivery.py's batches, at least once.

No mail server takes part in our transaction, so a worker can die after the server accepted a
mail and before the row says so; the mail then goes again. The window is one SMTP exchange per
mail, and the copy carries the same Message-ID (the delivery's), so that a mail server or
client can drop it (README, "Push updates to the resident").
"""

import contextlib
import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import connection as db_connection
from django.db import transaction
from django.utils import timezone

from .delivery import _dropped, _failed, _hold, _locked_pending
from .mail import MailTemplates, mail_render
from .models import Delivery, MailDelivery


def mail_deliveries_send(*, delivery_ids: list[int]) -> dict[int, str]:
    """Send these mails (each after any earlier one to the same address) unless they went
    already, over one connection to the mail server.

    Delivery is at least once, never at most once: no mail server takes part in our
    transaction, so a worker can die after the server accepted a mail and before the row says
    so. The window is kept to one SMTP exchange: each mail's attempt is recorded (and committed)
    just before it goes, it is marked sent the moment the server accepted it, and a mail
    whose attempt was left unfinished is sent again only after MAIL_ATTEMPT_SECONDS, with the
    same Message-ID (the delivery's), by which a mail server or client drops the copy.
    """
    with transaction.atomic():
        rows, wanted = _locked_pending("mail", delivery_ids)
        outcomes, planned = _mail_plan(rows, wanted)
    templates = MailTemplates()
    connection = get_connection()
    given_up: set[uuid.UUID] = set()
    with _opened(connection):
        for row in planned:
            if row.recipient in given_up:
                continue
            outcome = _mail_send_one(row, templates=templates, connection=connection)
            if row.pk in wanted:
                outcomes[row.pk] = outcome
            if outcome in ("retrying", "in flight"):
                # What this recipient has later waits behind it.
                given_up.add(row.recipient)
                mine = [r for r in planned if r.recipient == row.recipient]
                later = mine[mine.index(row) + 1 :]
                _hold("mail", later, wanted, row.next_attempt_at, outcomes)
    return outcomes


def _mail_plan(rows: list[Delivery], wanted: set[int]) -> tuple[dict[int, str], list[Delivery]]:
    """Which of the locked rows this task sends, in order; what waits (and why)."""
    now = timezone.now()
    in_flight_since = now - timedelta(seconds=settings.MAIL_ATTEMPT_SECONDS)
    by_recipient: dict[uuid.UUID, list[Delivery]] = {}
    for row in rows:
        by_recipient.setdefault(row.recipient, []).append(row)
    outcomes: dict[int, str] = {}
    planned: list[Delivery] = []
    for queue in by_recipient.values():
        for index, row in enumerate(queue):
            if row.attempted_at is not None and row.attempted_at > in_flight_since:
                # Another worker is sending it right now (or died doing so a moment ago); what
                # its recipient has later waits until that attempt may be taken over.
                if row.pk in wanted:
                    outcomes[row.pk] = "in flight"
                until = row.attempted_at + timedelta(seconds=settings.MAIL_ATTEMPT_SECONDS)
                _hold("mail", queue[index + 1 :], wanted, until, outcomes)
                break
            if row.pk not in wanted and row.attempts and row.next_attempt_at > now:
                _hold("mail", queue[index:], wanted, row.next_attempt_at, outcomes)
                break
            subscription = row.subscription
            if subscription is None or not subscription.email:
                outcome = _dropped(row)
                if row.pk in wanted:
                    outcomes[row.pk] = outcome
                continue
            planned.append(row)
    return outcomes, planned


def mail_message_id(delivery: Delivery) -> str:
    """The mail's Message-ID: the delivery's own, the same for every attempt (RFC 5322 asks it
    to be unique per message; a resend after a crash is the same message)."""
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2].strip(">") or "localhost"
    return f"<meldpunt.mail.{delivery.pk}@{domain}>"


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
    """One mail of the batch: its attempt recorded and committed, the mail handed to the server,
    the outcome committed at once."""
    subscription = delivery.subscription
    assert subscription is not None
    now = timezone.now()
    attempt_window = timedelta(seconds=settings.MAIL_ATTEMPT_SECONDS)
    # One conditional UPDATE, no lock held across the SMTP exchange: of two tasks that get here
    # for the same mail, one records the attempt and sends, the other sees it under way.
    recorded = _execute(_RECORD_ATTEMPT, [now, delivery.pk, now - attempt_window])
    if not recorded:
        state = MailDelivery.objects.filter(pk=delivery.pk).values_list("state", flat=True)
        if state.first() != Delivery.State.PENDING:
            return "skipped"  # another task sent it meanwhile (a task that ran twice)
        delivery.next_attempt_at = now + attempt_window
        return "in flight"
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
            "Message-ID": mail_message_id(delivery),
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
        with transaction.atomic():
            locked = MailDelivery.objects.select_for_update().get(pk=delivery.pk)
            locked.event = delivery.event
            locked.attempted_at = None
            outcome = _failed("mail", locked, exc)
            delivery.next_attempt_at = locked.next_attempt_at
        return outcome
    # Right after the server's answer: this is all the window there is for a second copy.
    _execute(_MARK_SENT, [timezone.now(), delivery.pk])
    return "sent"


# The two statements every mail costs, written out: built by the ORM they cost more of the
# worker's time than the rest of a mail's bookkeeping. Table and values are the model's own.
_TABLE = MailDelivery._meta.db_table
_RECORD_ATTEMPT = (
    f"UPDATE {_TABLE} SET attempted_at = %s WHERE id = %s AND state = '{Delivery.State.PENDING}'"  # noqa: S608
    " AND (attempted_at IS NULL OR attempted_at <= %s)"
)
_MARK_SENT = (
    f"UPDATE {_TABLE} SET state = '{Delivery.State.SENT}', attempts = attempts + 1,"  # noqa: S608
    " sent_at = %s, attempted_at = NULL WHERE id = %s"
)


def _execute(sql: str, params: list[Any]) -> int:
    with db_connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount
