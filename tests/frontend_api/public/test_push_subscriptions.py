"""Web push subscriptions through the public API: refused without VAPID keys, validated,
idempotent, and removed with DELETE."""

import pytest

from backend.notifications.models import Subscription
from backend.reports.tracking import tracking_token_for
from tests.notifications.conftest import PUSH_SUBSCRIPTION
from tests.reports.factories import make_report

pytestmark = pytest.mark.django_db


def _url(report, suffix="subscriptions/"):
    return f"/api/v1/public/reports/{tracking_token_for(report.id)}/{suffix}"


def test_without_vapid_keys_web_push_is_refused_clearly(public_client, settings):
    settings.VAPID_PRIVATE_KEY = settings.VAPID_PUBLIC_KEY = ""
    report = make_report()
    response = public_client.post(_url(report), PUSH_SUBSCRIPTION, format="json")
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "push_unavailable"
    assert public_client.get("/api/v1/public/push/").status_code == 503
    assert not Subscription.objects.exists()


def test_subscribe_validates_and_is_idempotent(public_client, vapid):
    report = make_report()
    assert public_client.get("/api/v1/public/push/").json() == {
        "vapid_public_key": vapid.VAPID_PUBLIC_KEY
    }
    bad = public_client.post(
        _url(report), {"endpoint": "http://insecure.example/x", "keys": {}}, format="json"
    )
    assert bad.status_code == 400
    assert set(bad.json()["error"]["fields"]) == {"endpoint", "keys.p256dh", "keys.auth"}
    first = public_client.post(_url(report), PUSH_SUBSCRIPTION, format="json")
    again = public_client.post(_url(report), PUSH_SUBSCRIPTION, format="json")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert Subscription.objects.filter(report=report, channel="push").count() == 1
    unknown = public_client.post(
        "/api/v1/public/reports/nope/subscriptions/", PUSH_SUBSCRIPTION, format="json"
    )
    assert unknown.status_code == 404


def test_unsubscribe_with_delete(public_client, vapid):
    report = make_report()
    subscription_id = public_client.post(_url(report), PUSH_SUBSCRIPTION, format="json").json()[
        "id"
    ]
    other = make_report()
    assert public_client.delete(_url(other, f"subscriptions/{subscription_id}/")).status_code == 404
    assert (
        public_client.delete(_url(report, f"subscriptions/{subscription_id}/")).status_code == 204
    )
    assert (
        public_client.delete(_url(report, f"subscriptions/{subscription_id}/")).status_code == 404
    )
    assert not Subscription.objects.exists()
