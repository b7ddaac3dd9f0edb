"""The Redis rate limiter itself: counting, waiting, refilling, several rates, sharing between
processes, and letting requests through when Redis is away."""

import logging
import os
import subprocess
import sys
import time

import pytest

from backend.common import ratelimit
from backend.common.ratelimit import Rate, rate_take, rates_parse
from tests.support.redis_server import free_port
from tests.support.waiting import eventually


@pytest.fixture(autouse=True)
def _own_prefix(rate_limits):
    """Every test here counts under a prefix of its own."""


def _take(rate: str, subject: str = "ip:192.0.2.1", **kwargs):
    return rate_take(scope="test", subject=subject, rates=rates_parse(rate), **kwargs)


def test_rates_are_parsed_with_their_units():
    assert rates_parse("30/10min") == (Rate(limit=30, period_seconds=600),)
    assert rates_parse("5/hour, 20/day") == (Rate(5, 3600), Rate(20, 86400))
    assert rates_parse("2/s") == rates_parse("2/second") == (Rate(2, 1),)
    assert rates_parse("3/2hours") == (Rate(3, 7200),)
    assert rates_parse("off") == rates_parse("") == ()
    for bad in ("30", "30/fortnight", "0/min", "x/min", "30/10ms"):
        with pytest.raises(ValueError, match="Not a rate"):
            rates_parse(bad)


def test_the_burst_passes_then_the_next_is_refused_with_the_wait():
    verdicts = [_take("3/min") for _ in range(4)]
    assert [v.allowed for v in verdicts] == [True, True, True, False]
    # One request more is allowed each 60/3 s: the wait is at most that, and more than 0.
    assert 19 < verdicts[-1].retry_after <= 20
    assert verdicts[-1].retry_after_seconds == 20


def test_another_subject_and_another_scope_count_apart():
    for _ in range(2):
        assert _take("2/min").allowed
    assert not _take("2/min").allowed
    assert _take("2/min", subject="ip:192.0.2.2").allowed
    assert rate_take(scope="other", subject="ip:192.0.2.1", rates=rates_parse("2/min")).allowed


def test_a_refused_request_is_let_through_once_its_wait_has_passed():
    assert _take("2/2s").allowed and _take("2/2s").allowed
    refused = _take("2/2s")
    assert not refused.allowed and 0 < refused.retry_after <= 1
    time.sleep(refused.retry_after)
    assert _take("2/2s").allowed
    assert not _take("2/2s").allowed  # one came back, not the whole burst


def test_asking_without_recording_counts_nothing():
    for _ in range(5):
        assert _take("1/min", record=False).allowed
    assert _take("1/min").allowed
    assert not _take("1/min", record=False).allowed
    assert not _take("1/min").allowed


def test_every_rate_must_allow_and_a_refusal_counts_against_none():
    # 2 a minute and 3 a day: the third in the minute is refused by the first rate, and did
    # not use up the day's third.
    rates = "2/min,3/day"
    assert _take(rates).allowed and _take(rates).allowed
    refused = _take(rates)
    assert not refused.allowed and refused.retry_after <= 30
    assert _take("3/day", record=False).allowed  # the refusal did not use the day's third
    assert _take("3/day").allowed
    assert not _take(rates, record=False).allowed


def test_the_counters_are_shared_by_every_process(settings):
    """Another process (another web worker, another host) uses up the burst; this one is
    refused: the count is in Redis, not in a process."""
    code = (
        "import django, sys; django.setup();"
        "from django.conf import settings;"
        "settings.RATE_LIMIT_KEY_PREFIX = sys.argv[1];"
        "from backend.common.ratelimit import rate_take, rates_parse;"
        "print([rate_take(scope='test', subject='ip:192.0.2.1', rates=rates_parse('3/min'))"
        ".allowed for _ in range(3)])"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "backend.config.settings.test"}
    other = subprocess.run(
        [sys.executable, "-c", code, settings.RATE_LIMIT_KEY_PREFIX],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert other.stdout.strip().splitlines()[-1] == "[True, True, True]"
    assert not _take("3/min").allowed


def test_without_redis_requests_go_through_and_redis_is_asked_again_later(
    settings, monkeypatch, caplog
):
    monkeypatch.setattr(ratelimit, "_down_until", 0.0)
    caplog.set_level(logging.WARNING, logger=ratelimit.logger.name)
    settings.RATE_LIMIT_REDIS_URL = f"redis://127.0.0.1:{free_port()}/0"
    settings.RATE_LIMIT_REDIS_RETRY_SECONDS = 0.5
    assert all(_take("1/min").allowed for _ in range(3))
    assert ratelimit._down_until > time.monotonic()  # not asked again for a while
    assert "rate limits off" in caplog.text
    # Back (the shared test Redis): counted again once the pause is over.
    settings.RATE_LIMIT_REDIS_URL = settings.TEST_REDIS_URL
    eventually(
        lambda: not _take("1/min").allowed,
        timeout=5,
        message="the limiter did not use Redis again after its pause",
    )


def test_switched_off_nothing_is_counted(settings):
    settings.RATE_LIMITS_ENABLED = False
    assert all(_take("1/min").allowed for _ in range(5))
    settings.RATE_LIMITS_ENABLED = True
    assert _take("1/min").allowed
    assert not _take("1/min").allowed
