"""Guessing on the sockets is throttled as on the HTTP API: tracking tokens in the report
socket's path count against the token lookup and miss rates, staff keys against the failed
authentication rate; past them the socket is closed with 4429 before any lookup."""

import asyncio

import pytest
import websockets

from backend.accounts.services import api_token_create, user_create
from backend.reports.tracking import tracking_token_for
from frontend_api.realtime.consumers import (
    CLOSE_NOT_FOUND,
    CLOSE_TOO_MANY,
    CLOSE_UNAUTHENTICATED,
)
from tests.reports.factories import make_report

pytestmark = pytest.mark.django_db(transaction=True)


async def _closed_with(url: str, **options) -> int | None:
    """The close code, or None when the socket stays open: it sends a message (the report's
    replay) or stays silent for two seconds (the staff feed before its first heartbeat); a
    refused socket is closed at once."""
    async with websockets.connect(url, open_timeout=10, **options) as ws:
        try:
            await asyncio.wait_for(ws.recv(), timeout=2)
        except websockets.ConnectionClosed:
            return ws.close_code
        except TimeoutError:
            return None
        return None


def test_guessed_tracking_tokens_are_refused_past_the_miss_rate(live_asgi, rate_limits):
    rate_limits(token_miss="3/10min")
    report = make_report()
    known = f"ws://{live_asgi}/ws/v1/reports/{tracking_token_for(report.id)}/"
    # A token that is found gives its miss back: a resident reconnecting is never refused.
    for _ in range(5):
        assert asyncio.run(_closed_with(known)) is None
    for n in range(3):
        guess = f"ws://{live_asgi}/ws/v1/reports/guess-{n}-aaaaaaaaaaaaaaaaaaaa/"
        assert asyncio.run(_closed_with(guess)) == CLOSE_NOT_FOUND
    # Past the rate the guesser learns nothing more, not even of a real token.
    assert asyncio.run(_closed_with(f"ws://{live_asgi}/ws/v1/reports/guess-x/")) == CLOSE_TOO_MANY
    assert asyncio.run(_closed_with(known)) == CLOSE_TOO_MANY


def test_guessed_staff_keys_are_refused_past_the_failure_rate(live_asgi, rate_limits):
    rate_limits(auth_failure="2/10min")
    _, key = api_token_create(user=user_create(username="app", role="dispatcher"), name="app")
    feed = f"ws://{live_asgi}/ws/v1/staff/feed/"

    def with_key(value: str) -> int | None:
        protocols = ["meldpunt.v1", f"token.{value}"]
        return asyncio.run(_closed_with(feed, subprotocols=protocols))  # type: ignore[arg-type]

    assert with_key(key) is None  # a known key counts no failure
    assert with_key("wrong-1") == CLOSE_UNAUTHENTICATED
    assert with_key("wrong-2") == CLOSE_UNAUTHENTICATED
    assert with_key("wrong-3") == CLOSE_TOO_MANY
    assert with_key(key) == CLOSE_TOO_MANY
