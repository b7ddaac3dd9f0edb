"""Signed webhooks, retried with exponential backoff, against real local HTTP servers."""

import itertools
from datetime import timedelta

import pytest
from rest_framework.test import APIClient

from backend.accounts.services import api_token_create
from backend.contractors.models import WebhookAttempt, WebhookMessage
from backend.contractors.webhooks import webhook_message_attempt
from tests.contractors.conftest import client_for, offered
from tests.contractors.receiver import Receiver, signature_valid

pytestmark = pytest.mark.django_db


@pytest.fixture
def receiving(api_firm):
    def start(**kwargs) -> Receiver:
        receiver = Receiver(**kwargs)
        api_firm.webhook_url = receiver.url
        api_firm.save()
        return receiver

    return start


def _staff(dispatcher) -> APIClient:
    _, key = api_token_create(user=dispatcher, name="s")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_fails_twice_then_succeeds_with_doubling_delays(receiving, api_firm, dispatcher, settings):
    settings.CONTRACTOR_WEBHOOK_BASE_DELAY_SECONDS = 30
    with receiving(script=[500, 503, 200]) as receiver:
        assignment = offered(api_firm, dispatcher)
        message = WebhookMessage.objects.get(type="assignment.offered")
        t0 = message.next_attempt_at

        first = webhook_message_attempt(message_id=message.id, now=t0)
        assert first is not None and not first.ok and first.status_code == 500
        assert first.next_attempt_at == t0 + timedelta(seconds=30)
        # Not due yet: a duplicate task or sweep does nothing.
        assert (
            webhook_message_attempt(message_id=message.id, now=t0 + timedelta(seconds=29)) is None
        )

        second = webhook_message_attempt(message_id=message.id, now=first.next_attempt_at)
        assert second is not None and second.status_code == 503
        assert second.next_attempt_at == first.next_attempt_at + timedelta(seconds=60)

        third = webhook_message_attempt(message_id=message.id, now=second.next_attempt_at)
        assert third is not None and third.ok and third.status_code == 200
        assert third.next_attempt_at is None
    message.refresh_from_db()
    assert message.state == "delivered" and message.attempts == 3
    assert webhook_message_attempt(message_id=message.id) is None  # delivered: no more

    assert len(receiver.received) == 3
    for request in receiver.received:
        assert request.headers["X-Meldpunt-Event-Id"] == str(message.id)
        assert request.headers["X-Meldpunt-Event-Type"] == "assignment.offered"
        assert signature_valid("paveco-secret", request.headers, request.body)
        assert not signature_valid("another-secret", request.headers, request.body)
    event = receiver.received[0].json
    assert event["id"] == str(message.id) and event["type"] == "assignment.offered"
    assert event["data"]["assignment"]["id"] == str(assignment.id)
    assert event["data"]["assignment"]["report"]["text"] == assignment.report.text
    body = receiver.received[0].body.decode()
    assert "bewoner@example.nl" not in body and "612345678" not in body

    log = _staff(dispatcher).get("/api/v1/staff/webhook-deliveries/?contractor=paveco").json()
    assert [a["status_code"] for a in log[0]["log"]] == [500, 503, 200]
    assert [a["ok"] for a in log[0]["log"]] == [False, False, True]


def test_a_receiver_that_never_answers_is_retried_for_24_hours_then_given_up(
    receiving, api_firm, dispatcher, settings
):
    settings.CONTRACTOR_WEBHOOK_TIMEOUT_SECONDS = 0.2
    settings.CONTRACTOR_WEBHOOK_BASE_DELAY_SECONDS = 30
    with receiving(hang=True) as receiver:
        offered(api_firm, dispatcher)
        message = WebhookMessage.objects.get(type="assignment.offered")
        now = message.next_attempt_at
        while True:
            attempt = webhook_message_attempt(message_id=message.id, now=now)
            assert attempt is not None and not attempt.ok
            assert "Timeout" in attempt.error
            if attempt.next_attempt_at is None:
                break
            now = attempt.next_attempt_at
    message.refresh_from_db()
    assert message.state == "failed" and message.next_attempt_at is None
    attempts = list(WebhookAttempt.objects.filter(message=message).order_by("number"))
    gaps = [
        (later.started_at - earlier.started_at).total_seconds()
        for earlier, later in itertools.pairwise(attempts)
    ]
    # 30 s, 1 min, 2 min, ... doubling, until the next wait would end after 24 hours.
    assert gaps == [30 * 2**n for n in range(len(gaps))]
    assert len(attempts) == 12
    span = attempts[-1].started_at - message.created_at
    assert timedelta(hours=16) < span <= timedelta(hours=24)
    assert len(receiver.received) == 12


def test_staff_redeliver_sends_the_same_event_again(receiving, api_firm, dispatcher, settings):
    settings.CONTRACTOR_WEBHOOK_RETRY_HOURS = 0  # give up after the first failure
    with receiving(script=[500, 200]) as receiver:
        offered(api_firm, dispatcher)
        message = WebhookMessage.objects.get(type="assignment.offered")
        webhook_message_attempt(message_id=message.id)
        message.refresh_from_db()
        assert message.state == "failed"

        staff = _staff(dispatcher)
        response = staff.post(f"/api/v1/staff/webhook-deliveries/{message.id}/redeliver/")
        assert response.status_code == 202 and response.json()["state"] == "pending"
        attempt = webhook_message_attempt(message_id=message.id)
        assert attempt is not None and attempt.ok
    assert [r.headers["X-Meldpunt-Event-Id"] for r in receiver.received] == [str(message.id)] * 2
    message.refresh_from_db()
    assert message.state == "delivered" and message.attempts == 2


def test_delivery_log_is_for_staff_only(api_firm, dispatcher):
    offered(api_firm, dispatcher)
    message = WebhookMessage.objects.get()
    contractor = client_for(api_firm)
    assert contractor.get("/api/v1/staff/webhook-deliveries/").status_code == 403
    assert (
        contractor.post(f"/api/v1/staff/webhook-deliveries/{message.id}/redeliver/").status_code
        == 403
    )
    assert APIClient().get("/api/v1/staff/webhook-deliveries/").status_code == 401
    staff = _staff(dispatcher)
    listed = staff.get("/api/v1/staff/webhook-deliveries/?state=pending").json()
    assert [m["id"] for m in listed] == [str(message.id)]
    assert staff.get("/api/v1/staff/webhook-deliveries/?state=bogus").status_code == 400
