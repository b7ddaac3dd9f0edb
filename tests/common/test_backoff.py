"""The one backoff policy, and the delays each of its users gets from it."""

import math

import pytest

from backend.common.dispatch import backoff
from backend.contractors.links import link_mail_retry_wait
from backend.contractors.webhooks import webhook_retry_delay
from backend.notifications.delivery import delivery_retry_wait
from backend.reports.outbox import outbox_retry_wait
from backend.reports.tasks import photo_retry_wait


def _seconds(wait, counts) -> list[float]:
    return [wait(n).total_seconds() for n in counts]


def test_the_wait_starts_at_the_base_doubles_after_each_failure_and_stops_at_the_cap():
    waits = [backoff(n, base_seconds=30, cap_seconds=300) for n in range(1, 8)]
    assert [w.total_seconds() for w in waits] == [30, 60, 120, 240, 300, 300, 300]


def test_a_huge_attempt_count_waits_the_cap_and_no_base_waits_nothing():
    assert backoff(10_000, base_seconds=10, cap_seconds=3600).total_seconds() == 3600
    assert backoff(7, base_seconds=0, cap_seconds=3600).total_seconds() == 0
    assert backoff(3, base_seconds=1.5, cap_seconds=math.inf).total_seconds() == 6


def test_attempts_count_failures_from_one():
    with pytest.raises(ValueError, match="from 1"):
        backoff(0, base_seconds=10, cap_seconds=60)


def test_each_user_keeps_the_delays_it_had(settings):
    """The settings' defaults give the same waits as each mechanism's own formula did."""
    # Outbox: the entry's first wait comes before its first attempt (see sql.py), each
    # failure then doubles it, up to an hour.
    assert _seconds(outbox_retry_wait, range(1, 11)) == [
        20,
        40,
        80,
        160,
        320,
        640,
        1280,
        2560,
        3600,
        3600,
    ]
    # Mail and push: the base after the first failure, doubling, up to six hours.
    assert _seconds(delivery_retry_wait, range(1, 6)) == [30, 60, 120, 240, 480]
    assert delivery_retry_wait(12).total_seconds() == 6 * 3600
    # Webhooks: doubling without a cap of its own; the 24-hour window ends it.
    assert _seconds(webhook_retry_delay, range(1, 13)) == [30 * 2**n for n in range(12)]
    # A crashed photo task: 5 s, 10 s, 20 s (it is given up on after the third retry).
    assert _seconds(photo_retry_wait, range(3)) == [5, 10, 20]
    # A link mail the mail server refused: a minute, doubling, as its task's retries did.
    assert _seconds(link_mail_retry_wait, range(1, 6)) == [60, 120, 240, 480, 960]

    settings.OUTBOX_RETRY_AFTER_SECONDS = 3
    settings.DELIVERY_RETRY_SECONDS = 7
    settings.CONTRACTOR_WEBHOOK_BASE_DELAY_SECONDS = 11
    settings.CONTRACTOR_LINK_MAIL_RETRY_SECONDS = 13
    assert outbox_retry_wait(1).total_seconds() == 6
    assert delivery_retry_wait(2).total_seconds() == 14
    assert webhook_retry_delay(3).total_seconds() == 44
    assert link_mail_retry_wait(1).total_seconds() == 13
