"""Web push: what is sent, and subscriptions the push service says are gone (subscribing:
tests/frontend_api/public/test_push_subscriptions.py).

Only pywebpush.webpush is replaced: it is where the machine talks to the browser vendor's
push service.
"""

import json
from unittest import mock

import pytest
import requests
from pywebpush import WebPushException

from backend.notifications.models import PushDelivery, Subscription
from backend.reports.actors import ActorRef
from backend.reports.services import report_transition
from backend.reports.tracking import tracking_token_for
from tests.notifications.conftest import PUSH_SUBSCRIPTION, deliver
from tests.reports.factories import make_report

pytestmark = pytest.mark.django_db


def _url(report, suffix="subscriptions/"):
    return f"/api/v1/public/reports/{tracking_token_for(report.id)}/{suffix}"


def _push_service_answer(status: int) -> WebPushException:
    response = requests.Response()
    response.status_code = status
    return WebPushException(f"Push failed: {status}", response=response)


def test_each_status_change_is_pushed_with_the_public_payload_only(public_client, vapid):
    report = make_report(email="r@example.nl", allow_contact=True)
    deliver()
    public_client.post(_url(report), PUSH_SUBSCRIPTION, format="json")
    report_transition(
        report_id=report.id, actor=ActorRef.staff(None), to="scheduled", public_text="Dinsdag"
    )
    with mock.patch("pywebpush.webpush") as webpush:
        assert sorted(deliver()) == ["sent", "sent"]  # the mail and the push
    webpush.assert_called_once()
    kwargs = webpush.call_args.kwargs
    assert kwargs["subscription_info"] == PUSH_SUBSCRIPTION
    assert kwargs["vapid_private_key"] == vapid.VAPID_PRIVATE_KEY
    assert kwargs["vapid_claims"] == {"sub": vapid.VAPID_SUBJECT}
    payload = json.loads(kwargs["data"])
    assert set(payload["event"]) == {"seq", "type", "status", "status_text", "text", "at"}
    assert payload["event"]["status"] == "scheduled" and payload["event"]["text"] == "Dinsdag"
    assert tracking_token_for(report.id) in payload["url"]
    assert "r@example.nl" not in kwargs["data"]
    # Nothing before the subscription is pushed (the receipt went out by mail only).
    assert PushDelivery.objects.count() == 1


@pytest.mark.parametrize("status", [404, 410])
def test_a_subscription_the_push_service_calls_gone_is_removed(public_client, vapid, status):
    report = make_report()
    public_client.post(_url(report), PUSH_SUBSCRIPTION, format="json")
    report_transition(report_id=report.id, actor=ActorRef.staff(None), to="in_progress")
    with mock.patch("pywebpush.webpush", side_effect=_push_service_answer(status)):
        assert deliver() == ["gone"]
    assert not Subscription.objects.filter(report=report).exists()
    assert PushDelivery.objects.get().state == "dropped"
    report_transition(report_id=report.id, actor=ActorRef.staff(None), to="scheduled")
    with mock.patch("pywebpush.webpush") as webpush:
        assert deliver() == []
    webpush.assert_not_called()


def test_a_push_service_error_is_retried(public_client, vapid):
    report = make_report()
    public_client.post(_url(report), PUSH_SUBSCRIPTION, format="json")
    report_transition(report_id=report.id, actor=ActorRef.staff(None), to="in_progress")
    with mock.patch("pywebpush.webpush", side_effect=_push_service_answer(503)):
        assert deliver() == ["retrying"]
    delivery = PushDelivery.objects.get()
    assert delivery.state == "pending" and delivery.attempts == 1
    with mock.patch("pywebpush.webpush") as webpush:
        assert deliver() == ["sent"]
    webpush.assert_called_once()
    delivery.refresh_from_db()
    assert delivery.state == "sent" and delivery.attempts == 2
