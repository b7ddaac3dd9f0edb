"""Signed webhooks to a contractor's own system, with a delivery log and retries.

Delivery is at least once: an attempt whose answer never came back (a timeout, a lost
connection, a worker that died before it wrote down the answer) is tried again, although the
receiver may have acted on it. So every attempt carries the message's id, the same on every
retry and redelivery, for the receiver to deduplicate on: as ``Webhook-Id`` (with
``Webhook-Timestamp`` and ``Webhook-Signature``, as the Standard Webhooks spec names them, the
signature covering the id) and as ``X-Meldpunt-Event-Id`` (with the older signature over
``timestamp + "." + body``, whose body holds the id too). Both are HMAC-SHA256 with the
organisation's secret. A failed attempt is retried after 1, 2, 4, ... times the base delay,
until the retry window (24 hours) is over.
"""

import base64
import contextlib
import hashlib
import hmac
import json
import logging
import math
import os
import time
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

import httpx
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import DatabaseError, connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from backend.common.dispatch import backoff, dispatch_on_commit
from backend.common.times import timestamp_text
from backend.organisations.models import Contractor
from backend.reports.models import Report

from .models import Assignment, WebhookAttempt, WebhookMessage

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Meldpunt-Signature"
TIMESTAMP_HEADER = "X-Meldpunt-Timestamp"
EVENT_ID_HEADER = "X-Meldpunt-Event-Id"
EVENT_TYPE_HEADER = "X-Meldpunt-Event-Type"
# Standard Webhooks (standardwebhooks.com) names.
WEBHOOK_ID_HEADER = "Webhook-Id"
WEBHOOK_TIMESTAMP_HEADER = "Webhook-Timestamp"
WEBHOOK_SIGNATURE_HEADER = "Webhook-Signature"
# A new message is attempted by the task queued when it committed; the retry sweep looks at it
# only this long after, so a queue that lags under load does not get a second task for it.
_SWEEP_GRACE = timedelta(seconds=60)


class WebhookType(StrEnum):
    """Every type a contractor's system can receive (its X-Meldpunt-Event-Type)."""

    ASSIGNMENT_OFFERED = "assignment.offered"
    ASSIGNMENT_WITHDRAWN = "assignment.withdrawn"
    ASSIGNMENT_UPDATED = "assignment.updated"


# Advisory locks of this module: the first key of pg_try_advisory_lock(int, int).
_LOCK_SPACE = 0x57454248  # "WEBH"
_clients: dict[int, httpx.Client] = {}


def _http() -> httpx.Client:
    """One HTTP client per process: a client of its own per request loaded the certificate
    store every time, tens of milliseconds of CPU per webhook."""
    pid = os.getpid()  # a forked worker child must not share its parent's connections
    if pid not in _clients:
        _clients[pid] = httpx.Client(follow_redirects=False)
    return _clients[pid]


def webhook_signature(*, secret: str, timestamp: str, body: bytes) -> str:
    """The hex HMAC-SHA256 of ``timestamp + "." + body`` (sent as ``sha256=<hex>``)."""
    return hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def webhook_standard_signature(*, secret: str, message_id: str, timestamp: str, body: bytes) -> str:
    """``v1,<base64 HMAC-SHA256 of id + "." + timestamp + "." + body>`` (Standard Webhooks;
    the key is the organisation's secret as UTF-8 bytes, not a ``whsec_`` base64 key)."""
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def webhook_body(message: WebhookMessage) -> bytes:
    envelope = {
        "id": str(message.id),
        "type": message.type,
        "created_at": timestamp_text(message.created_at),
        "data": message.payload,
    }
    return json.dumps(
        envelope, cls=DjangoJSONEncoder, sort_keys=True, separators=(",", ":")
    ).encode()


def webhook_retry_delay(attempt: int) -> timedelta:
    """How long to wait after the ``attempt``-th failed attempt (1-based)."""
    # No cap of its own: the retry window ends the doubling (see webhook_message_attempt).
    return backoff(
        attempt, base_seconds=settings.CONTRACTOR_WEBHOOK_BASE_DELAY_SECONDS, cap_seconds=math.inf
    )


def _window() -> timedelta:
    return timedelta(hours=settings.CONTRACTOR_WEBHOOK_RETRY_HOURS)


def webhook_enqueue(
    *,
    contractor: Contractor,
    type: WebhookType,
    data: dict[str, Any],
    report: Report | None = None,
    assignment: Assignment | None = None,
    source_event_id: int | None = None,
) -> WebhookMessage | None:
    """Store a message for an organisation with a webhook and send it after commit.

    Idempotent per (source event, organisation, type): the outbox may hand an event over twice.
    """
    if not contractor.webhook_url:
        return None
    now = timezone.now()
    if source_event_id is not None:
        existing = WebhookMessage.objects.filter(
            source_event_id=source_event_id, contractor=contractor, type=type
        ).first()
        if existing is not None:
            return existing
    message = WebhookMessage.objects.create(
        contractor=contractor,
        report=report,
        assignment=assignment,
        source_event_id=source_event_id,
        type=type,
        payload=data,
        next_attempt_at=now + _SWEEP_GRACE,
        give_up_at=now + _window(),
    )
    _dispatch_on_commit(message.id)
    return message


def _dispatch_on_commit(message_id: uuid.UUID) -> None:
    from .tasks import webhook_deliver

    # A message the broker never got stays due: the retry sweep (beat) sends it.
    dispatch_on_commit(webhook_deliver, [message_id], what="webhook messages")


def webhook_message_attempt(
    *, message_id: uuid.UUID, now: datetime | None = None
) -> WebhookAttempt | None:
    """Make one delivery attempt if the message is due; log it and schedule the next one.

    Returns the logged attempt (its ``next_attempt_at`` set when another one follows), or None
    when no attempt was due.

    ``now`` is the scheduling clock (tests move it instead of sleeping). The HTTP request runs
    outside any transaction; the message is claimed first so a concurrent sweep leaves it alone.
    """
    now = now or timezone.now()
    with _in_flight(message_id) as ours:
        if not ours:
            return None  # another worker's attempt is still on its way
        return _attempt(message_id, now)


@contextlib.contextmanager
def _in_flight(message_id: uuid.UUID) -> Iterator[bool]:
    """Hold the message for one attempt, from its claim until its answer is written down.

    A session advisory lock, not a row lock: the HTTP request runs outside any transaction.
    The claim's lease (next_attempt_at) alone let a second task send the message again while
    a slow first attempt was still waiting for its answer; a dead worker's lock goes with its
    connection, and its lease then lets another worker retry.
    """
    # Two 32-bit keys: this module's, and 32 bits of the id (a rare clash only skips a turn).
    key = int.from_bytes(message_id.bytes[:4], "big", signed=True)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [_LOCK_SPACE, key])
        row = cursor.fetchone()
    held = bool(row and row[0])
    try:
        yield held
    finally:
        if held:
            with contextlib.suppress(DatabaseError), connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [_LOCK_SPACE, key])


def _attempt(message_id: uuid.UUID, now: datetime) -> WebhookAttempt | None:
    timeout = settings.CONTRACTOR_WEBHOOK_TIMEOUT_SECONDS
    with transaction.atomic():
        message = (
            WebhookMessage.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("contractor")
            .filter(pk=message_id)
            .first()
        )
        if message is None or message.state != WebhookMessage.State.PENDING:
            return None
        # A first attempt is due at once (its task was queued when the message committed);
        # a later one when its retry is.
        if message.attempts and message.next_attempt_at and message.next_attempt_at > now:
            return None  # not due: an early duplicate task; the scheduled one follows
        if not message.contractor.webhook_url:
            # The organisation dropped its integration since: nothing to retry against.
            message.state = WebhookMessage.State.FAILED
            message.next_attempt_at = None
            message.last_error = "The organisation has no webhook URL any more."
            message.save(update_fields=["state", "next_attempt_at", "last_error"])
            return None
        message.attempts += 1
        number = message.attempts
        message.next_attempt_at = now + timedelta(seconds=timeout + 60)
        message.save(update_fields=["attempts", "next_attempt_at"])

    contractor = message.contractor
    body = webhook_body(message)
    timestamp = str(int(time.time()))
    secret = contractor.webhook_secret
    message_id_text = str(message.id)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Meldpunt-Webhooks/1",
        WEBHOOK_ID_HEADER: message_id_text,
        WEBHOOK_TIMESTAMP_HEADER: timestamp,
        WEBHOOK_SIGNATURE_HEADER: webhook_standard_signature(
            secret=secret, message_id=message_id_text, timestamp=timestamp, body=body
        ),
        EVENT_ID_HEADER: message_id_text,
        EVENT_TYPE_HEADER: message.type,
        TIMESTAMP_HEADER: timestamp,
        SIGNATURE_HEADER: "sha256="
        + webhook_signature(secret=secret, timestamp=timestamp, body=body),
    }
    status_code: int | None = None
    excerpt = error = ""
    started = time.monotonic()
    try:
        response = _http().post(
            contractor.webhook_url,
            content=body,
            headers=headers,
            timeout=timeout,
            follow_redirects=False,
        )
        status_code = response.status_code
        excerpt = response.text[:500]
        if not 200 <= status_code < 300:
            error = f"HTTP {status_code}"
    except httpx.HTTPError as exc:
        error = f"{type(exc).__name__}: {exc}"[:500] or type(exc).__name__
    duration_ms = int((time.monotonic() - started) * 1000)

    with transaction.atomic():
        message = WebhookMessage.objects.select_for_update().get(pk=message_id)
        attempt = WebhookAttempt(
            message=message,
            number=number,
            started_at=now,
            duration_ms=duration_ms,
            status_code=status_code,
            ok=not error,
            error=error,
            response_excerpt=excerpt,
        )
        if not error:
            message.state = WebhookMessage.State.DELIVERED
            message.delivered_at = now
            message.next_attempt_at = None
            message.last_error = ""
        else:
            message.last_error = error
            retry_at = now + webhook_retry_delay(number)
            if retry_at > message.give_up_at:
                message.state = WebhookMessage.State.FAILED
                message.next_attempt_at = None
            else:
                message.next_attempt_at = retry_at
                attempt.next_attempt_at = retry_at
        attempt.save()
        message.save(update_fields=["state", "delivered_at", "next_attempt_at", "last_error"])
    if error:
        logger.info("webhook %s attempt %d failed: %s", message.id, number, error)
    return attempt


@transaction.atomic
def webhook_message_redeliver(*, message_id: uuid.UUID) -> WebhookMessage:
    """Send a message again now (same event id), with a fresh retry window."""
    message = WebhookMessage.objects.select_for_update().get(pk=message_id)
    now = timezone.now()
    message.state = WebhookMessage.State.PENDING
    message.next_attempt_at = now
    message.give_up_at = now + _window()
    message.save(update_fields=["state", "next_attempt_at", "give_up_at"])
    _dispatch_on_commit(message.id)
    return message


def webhook_messages_due() -> QuerySet[WebhookMessage, uuid.UUID]:
    """Pending messages whose attempt is due, the longest waiting first."""
    return (
        WebhookMessage.objects.filter(
            state=WebhookMessage.State.PENDING, next_attempt_at__lte=timezone.now()
        )
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)
    )
