"""Webhooks are delivered at least once, each delivery with a stable id to deduplicate on.

Against real local HTTP receivers: a retry or a redelivery repeats the id and signs it; a
receiver that answers after the timeout gets the message again (the receiver deduplicates);
but a message is never sent twice at the same time, however slow its attempt.
"""

import base64
import hashlib
import hmac
import threading
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from backend.contractors.models import WebhookMessage
from backend.contractors.webhooks import (
    webhook_message_attempt,
    webhook_message_redeliver,
    webhook_messages_due,
)
from backend.organisations.models import Contractor
from tests.contractors.conftest import offered
from tests.contractors.receiver import Receiver, signature_valid

SECRET = "paveco-secret"


def standard_signature_valid(secret: str, headers: dict[str, str], body: bytes) -> bool:
    """What a receiver following the Standard Webhooks spec does (the README's recipe)."""
    signed = f"{headers['Webhook-Id']}.{headers['Webhook-Timestamp']}.".encode() + body
    expected = base64.b64encode(hmac.new(secret.encode(), signed, hashlib.sha256).digest())
    return any(
        hmac.compare_digest(f"v1,{expected.decode()}", candidate)
        for candidate in headers["Webhook-Signature"].split()
    )


def _firm(url: str) -> Contractor:
    return Contractor.objects.create(
        code="paveco", name="Paveco", webhook_url=url, webhook_secret=SECRET
    )


@pytest.mark.django_db
def test_every_retry_and_redelivery_carries_the_same_webhook_id_signed(dispatcher):
    with Receiver(script=[503, 200, 200]) as receiver:
        firm = _firm(receiver.url)
        offered(firm, dispatcher)
        message = WebhookMessage.objects.get(type="assignment.offered")
        first = webhook_message_attempt(message_id=message.id)
        assert first is not None and not first.ok and first.next_attempt_at is not None
        second = webhook_message_attempt(message_id=message.id, now=first.next_attempt_at)
        assert second is not None and second.ok
        webhook_message_redeliver(message_id=message.id)
        third = webhook_message_attempt(message_id=message.id)
        assert third is not None and third.ok
    arrivals = receiver.received
    assert len(arrivals) == 3
    for request in arrivals:
        assert request.headers["Webhook-Id"] == str(message.id)
        assert request.headers["X-Meldpunt-Event-Id"] == str(message.id)
        assert request.json["id"] == str(message.id)
        assert standard_signature_valid(SECRET, request.headers, request.body)
        assert signature_valid(SECRET, request.headers, request.body)
        # The signature covers the id: another id with the same body does not verify.
        forged = {**request.headers, "Webhook-Id": "another-id"}
        assert not standard_signature_valid(SECRET, forged, request.body)
        assert not standard_signature_valid("another-secret", request.headers, request.body)


@pytest.mark.django_db
def test_a_receiver_that_answers_after_the_timeout_gets_it_again_with_the_same_id(
    dispatcher, settings
):
    """The duplicate seen under load: the receiver acted on an attempt whose answer came too
    late, so the attempt counts as failed and is retried. Delivery is at least once; the id
    is what the receiver deduplicates on."""
    settings.CONTRACTOR_WEBHOOK_TIMEOUT_SECONDS = 0.3
    with Receiver(delay=1.0) as receiver:
        firm = _firm(receiver.url)
        offered(firm, dispatcher)
        message = WebhookMessage.objects.get(type="assignment.offered")
        first = webhook_message_attempt(message_id=message.id)
        assert first is not None and "Timeout" in first.error
        assert first.next_attempt_at is not None
        settings.CONTRACTOR_WEBHOOK_TIMEOUT_SECONDS = 5
        second = webhook_message_attempt(message_id=message.id, now=first.next_attempt_at)
        assert second is not None and second.ok
        arrivals = receiver.wait_for(2)
    assert [r.headers["Webhook-Id"] for r in arrivals] == [str(message.id)] * 2


@pytest.mark.django_db(transaction=True)
def test_an_attempt_still_waiting_for_its_answer_is_not_sent_again_by_another_worker(
    dispatcher, settings
):
    """A claimed message is due again after its lease (timeout + 60 s), when a sweep queues
    another task for it. An attempt can outlast the lease (a receiver that trickles its answer,
    each read within the timeout); the second task then sent the message again while the first
    was still waiting, and the receiver got it twice at once."""
    settings.CONTRACTOR_WEBHOOK_TIMEOUT_SECONDS = 5
    with Receiver(delay=2.0) as receiver:
        firm = _firm(receiver.url)
        offered(firm, dispatcher)
        message = WebhookMessage.objects.get(type="assignment.offered")
        results = []

        def first_worker() -> None:
            try:
                results.append(webhook_message_attempt(message_id=message.id))
            finally:
                connection.close()

        slow = threading.Thread(target=first_worker)
        slow.start()
        assert len(receiver.wait_for(1, timeout=10)) == 1
        # Another worker, once the lease has run out (the clock moved instead of waiting).
        later = timezone.now() + timedelta(minutes=5)
        assert webhook_message_attempt(message_id=message.id, now=later) is None
        slow.join(timeout=20)
        time.sleep(0.2)
    assert len(results) == 1 and results[0] is not None and results[0].ok
    assert len(receiver.received) == 1
    message.refresh_from_db()
    assert message.state == "delivered" and message.attempts == 1


@pytest.mark.django_db
def test_the_retry_sweep_leaves_a_new_message_to_the_task_queued_with_it(dispatcher):
    """Under load the queue lags: the sweep used to queue a second task for every message
    whose first task was still waiting, adding to the backlog it was waiting in."""
    with Receiver() as receiver:
        firm = _firm(receiver.url)
        offered(firm, dispatcher)
        message = WebhookMessage.objects.get(type="assignment.offered")
        assert list(webhook_messages_due()) == []
        # The task queued with it attempts at once.
        attempt = webhook_message_attempt(message_id=message.id)
        assert attempt is not None and attempt.ok
    assert len(receiver.received) == 1
    # A message whose task was lost is swept once the grace is over.
    WebhookMessage.objects.filter(pk=message.pk).update(
        state="pending", next_attempt_at=timezone.now() - timedelta(seconds=1)
    )
    assert list(webhook_messages_due()) == [message.id]
