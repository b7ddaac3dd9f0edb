"""Rate limits on the residents' API, against the real Redis: each throttle answers 429 with
Retry-After in the API's error shape after its N, another client is not affected, and the
limit passes. A resident reading their own report is never slowed by somebody's guessing."""

import time

import pytest
from django.core import mail
from rest_framework.test import APIClient

from backend.notifications.models import Subscription
from backend.notifications.services import follow_token_for
from backend.reports.models import Report
from backend.reports.tracking import tracking_token_for
from tests.conftest import DAM
from tests.notifications.conftest import PUSH_SUBSCRIPTION, deliver
from tests.reports.factories import make_report

pytestmark = pytest.mark.django_db
REPORTS = "/api/v1/public/reports/"


def _client(ip: str, **headers: str) -> APIClient:
    return APIClient(REMOTE_ADDR=ip, **headers)


def _report_body(**overrides):
    return {
        "text": "De container bij de ingang is vol",
        "lat": DAM[0],
        "lon": DAM[1],
        "category": "afval/container-is-vol",
        **overrides,
    }


def assert_throttled(response, *, field: str | None = None) -> int:
    """429, Retry-After in whole seconds, and the API's error shape; returns the wait."""
    assert response.status_code == 429, response.content
    wait = int(response["Retry-After"])
    assert wait >= 1
    error = response.json()["error"]
    assert error["code"] == "throttled"
    assert error["message"]
    if field is not None:
        assert list(error["fields"]) == [field] and error["fields"][field][0]
    return wait


def test_intake_is_limited_per_client(rate_limits):
    rate_limits(intake="3/min")
    flooder = _client("203.0.113.7")
    for _ in range(3):
        assert flooder.post(REPORTS, _report_body(), format="json").status_code == 201
    wait = assert_throttled(flooder.post(REPORTS, _report_body(), format="json"))
    assert 1 <= wait <= 20
    assert Report.objects.count() == 3  # the refused one stored nothing
    # In the language asked for, with the wait Retry-After gives.
    english = flooder.post(REPORTS, _report_body(), format="json", HTTP_ACCEPT_LANGUAGE="en")
    wait = assert_throttled(english)
    assert english.json()["error"]["message"] == f"Too many requests; try again in {wait} s."
    dutch = flooder.post(REPORTS, _report_body(), format="json", HTTP_ACCEPT_LANGUAGE="nl")
    wait = assert_throttled(dutch)
    dutch_message = f"Te veel verzoeken; probeer het over {wait} s opnieuw."
    assert dutch.json()["error"]["message"] == dutch_message
    neighbour = _client("203.0.113.8")
    assert neighbour.post(REPORTS, _report_body(), format="json").status_code == 201


def test_the_limit_passes_after_retry_after(rate_limits):
    rate_limits(intake="1/s")
    client = _client("203.0.113.9")
    assert client.post(REPORTS, _report_body(), format="json").status_code == 201
    wait = assert_throttled(client.post(REPORTS, _report_body(), format="json"))
    assert wait == 1
    time.sleep(wait)
    assert client.post(REPORTS, _report_body(), format="json").status_code == 201


def test_classify_is_limited_per_client(rate_limits):
    rate_limits(classify="2/min")
    client = _client("198.51.100.20")
    # Without an active classifier the answer is a 503; the throttle comes first either way.
    answers = [
        client.post("/api/v1/public/classify/", {"text": "lamp kapot"}, format="json")
        for _ in range(3)
    ]
    assert [a.status_code for a in answers[:2]] == [503, 503]
    assert_throttled(answers[2])
    other = _client("198.51.100.21")
    assert other.post("/api/v1/public/classify/", {"text": "lamp"}, format="json").status_code == (
        503
    )


def test_following_is_limited_per_client(rate_limits, vapid):
    rate_limits(follow="2/min")
    report = make_report()
    token = tracking_token_for(report.id)
    client = _client("198.51.100.30")
    first = client.post(f"{REPORTS}{token}/follow/", {"email": "a@example.nl"}, format="json")
    push = client.post(f"{REPORTS}{token}/subscriptions/", PUSH_SUBSCRIPTION, format="json")
    assert (first.status_code, push.status_code) == (201, 201)
    assert_throttled(
        client.post(f"{REPORTS}{token}/follow/", {"email": "b@example.nl"}, format="json")
    )
    assert_throttled(
        client.post(f"{REPORTS}{token}/subscriptions/", PUSH_SUBSCRIPTION, format="json")
    )
    other = _client("198.51.100.31")
    answer = other.post(f"{REPORTS}{token}/follow/", {"email": "c@example.nl"}, format="json")
    assert answer.status_code == 201
    assert Subscription.objects.filter(report=report).count() == 3


def test_token_lookups_are_limited_per_client(rate_limits):
    rate_limits(token_lookup="3/min")
    token = tracking_token_for(make_report().id)
    client = _client("198.51.100.40")
    assert [client.get(f"{REPORTS}{token}/").status_code for _ in range(3)] == [200] * 3
    assert_throttled(client.get(f"{REPORTS}{token}/"))
    assert _client("198.51.100.41").get(f"{REPORTS}{token}/").status_code == 200


def test_a_token_guesser_is_stopped_and_the_resident_is_not(rate_limits):
    rate_limits(token_miss="5/10min")
    report = make_report()
    token = tracking_token_for(report.id)
    guesser = _client("192.0.2.50")
    guesses = [f"{REPORTS}guess-{n:04d}/" for n in range(5)]
    assert [guesser.get(url).status_code for url in guesses] == [404] * 5
    # Over its misses: refused before any lookup, a right token included, on every token
    # endpoint, so that it learns nothing more.
    wait = assert_throttled(guesser.get(f"{REPORTS}guess-9999/"))
    assert 60 <= wait <= 120  # 10 min / 5: the next miss is allowed then
    assert_throttled(guesser.get(f"{REPORTS}{token}/"))
    assert_throttled(guesser.post(f"{REPORTS}{token}/feedback/", {"satisfied": True}))
    assert_throttled(guesser.post("/api/v1/public/confirm/nope/"))
    assert_throttled(guesser.post("/api/v1/public/unsubscribe/nope/"))
    # The resident, elsewhere, reads their own report as often as they like: hits are no misses.
    resident = _client("192.0.2.51")
    assert [resident.get(f"{REPORTS}{token}/").status_code for _ in range(20)] == [200] * 20


def test_misses_on_every_token_endpoint_count(rate_limits):
    rate_limits(token_miss="4/10min")
    guesser = _client("192.0.2.60")
    misses = [
        guesser.post(f"{REPORTS}nope/follow/", {"email": "x@example.nl"}, format="json"),
        guesser.post(f"{REPORTS}nope/reply/", {"text": "hallo"}, format="json"),
        guesser.post("/api/v1/public/confirm/nope/"),
        guesser.get("/api/v1/public/unsubscribe/nope/"),  # the HTML page for mail links
    ]
    assert [m.status_code for m in misses] == [404] * 4
    assert_throttled(guesser.get(f"{REPORTS}nope/"))


def test_a_follow_token_is_looked_up_and_counted_like_a_tracking_token(rate_limits):
    rate_limits(token_miss="2/10min")
    report = make_report()
    client = _client("192.0.2.70")
    follow = f"{REPORTS}{follow_token_for(report.id)}/follow/"
    assert client.post(follow, {"email": "v@example.nl"}, format="json").status_code == 201
    assert client.post(f"{REPORTS}forged/follow/", {"email": "v@example.nl"}).status_code == 404
    assert client.post(f"{REPORTS}forged2/follow/", {"email": "v@example.nl"}).status_code == 404
    assert_throttled(client.post(follow, {"email": "w@example.nl"}, format="json"))


def test_confirmation_mails_are_limited_per_address_whoever_asks(rate_limits):
    """One mailbox (tagged addresses reach the same inbox), followed on many reports from many
    clients: two confirmation mails an hour reach it, the third follow is refused naming the
    field, and stores nothing."""
    rate_limits(confirm_mail="2/hour")
    reports = [make_report() for _ in range(3)]
    answers = [
        _client(f"192.0.2.{80 + n}").post(
            f"{REPORTS}{tracking_token_for(report.id)}/follow/",
            {"email": f"Victim+{n}@example.nl"},
            format="json",
        )
        for n, report in enumerate(reports)
    ]
    assert [a.status_code for a in answers[:2]] == [201, 201]
    wait = assert_throttled(answers[2], field="email")
    assert 1700 <= wait <= 1800  # an hour / 2
    assert not Subscription.objects.filter(report=reports[2]).exists()
    deliver()
    assert sorted(m.to[0] for m in mail.outbox) == ["victim+0@example.nl", "victim+1@example.nl"]
    # Another address is not affected.
    other = _client("192.0.2.90").post(
        f"{REPORTS}{tracking_token_for(reports[2].id)}/follow/",
        {"email": "someone@example.nl"},
        format="json",
    )
    assert other.status_code == 201


def test_the_client_is_the_peer_unless_proxies_are_declared(rate_limits, settings):
    rate_limits(intake="1/min")
    settings.NUM_PROXIES = 0
    # A client cannot pick a fresh address per request with X-Forwarded-For.
    client = _client("203.0.113.100")
    first = client.post(REPORTS, _report_body(), format="json", HTTP_X_FORWARDED_FOR="10.0.0.1")
    assert first.status_code == 201
    again = client.post(REPORTS, _report_body(), format="json", HTTP_X_FORWARDED_FOR="10.0.0.2")
    assert_throttled(again)
    # Behind one proxy: the address that proxy appended is the client; what the client put
    # before it is not.
    settings.NUM_PROXIES = 1
    proxy = _client("10.1.1.1")
    a = proxy.post(
        REPORTS, _report_body(), format="json", HTTP_X_FORWARDED_FOR="1.1.1.1, 203.0.113.101"
    )
    b = proxy.post(
        REPORTS, _report_body(), format="json", HTTP_X_FORWARDED_FOR="2.2.2.2, 203.0.113.101"
    )
    c = proxy.post(REPORTS, _report_body(), format="json", HTTP_X_FORWARDED_FOR="203.0.113.102")
    assert (a.status_code, c.status_code) == (201, 201)
    assert_throttled(b)


def test_an_ipv6_client_is_its_whole_64(rate_limits):
    rate_limits(intake="1/min")
    assert (
        _client("2001:db8:1:2::1").post(REPORTS, _report_body(), format="json").status_code == 201
    )
    assert_throttled(_client("2001:db8:1:2:abcd::99").post(REPORTS, _report_body(), format="json"))
    assert (
        _client("2001:db8:1:3::1").post(REPORTS, _report_body(), format="json").status_code == 201
    )


def test_without_redis_residents_are_still_served(rate_limits, settings, monkeypatch):
    from backend.common import ratelimit
    from tests.support.redis_server import free_port

    monkeypatch.setattr(ratelimit, "_down_until", 0.0)
    rate_limits(intake="1/min")
    settings.RATE_LIMIT_REDIS_URL = f"redis://127.0.0.1:{free_port()}/0"
    client = _client("203.0.113.120")
    assert [client.post(REPORTS, _report_body(), format="json").status_code for _ in range(2)] == [
        201,
        201,
    ]


def test_guesses_sent_all_at_once_get_no_more_lookups_than_the_miss_rate(rate_limits, live_asgi):
    """Each lookup is counted as a miss before it is made (and given back when its token
    matched): a guesser sending 40 at once gets 5 answers, not one per request in flight."""
    import asyncio

    import httpx

    rate_limits(token_miss="5/10min")

    async def guess_all() -> list[int]:
        async with httpx.AsyncClient(base_url=f"http://{live_asgi}", timeout=30) as client:
            answers = await asyncio.gather(
                *(
                    client.get(f"{REPORTS}guess-{n}/", headers={"X-Forwarded-For": "192.0.2.99"})
                    for n in range(40)
                )
            )
        return sorted(answer.status_code for answer in answers)

    assert asyncio.run(guess_all()) == [404] * 5 + [429] * 35
