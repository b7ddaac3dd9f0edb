"""Native mobile apps send no Origin header (or "null"): a socket whose credential is a token
(the tracking token in the path, a staff API token) is theirs from any origin. Origin checks
protect cookie sessions, which these sockets do not read (issue #14, finding 2)."""

import asyncio
import json

import pytest
import websockets

from backend.accounts.services import api_token_create, user_create
from backend.reports.tracking import tracking_token_for
from tests.reports.factories import make_report


async def _first_message(url: str, **options) -> dict:
    async with websockets.connect(url, open_timeout=10, **options) as ws:
        while True:
            message = json.loads(await asyncio.wait_for(ws.recv(), timeout=10))
            if message.get("type") != "ping":
                return message


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "origin",
    [{}, {"additional_headers": {"Origin": "null"}}, {"origin": "https://elsewhere.example"}],
    ids=["no-origin", "origin-null", "foreign-origin"],
)
def test_a_report_socket_accepts_any_origin(live_asgi, origin):
    report = make_report()
    url = f"ws://{live_asgi}/ws/v1/reports/{tracking_token_for(report.id)}/"
    first = asyncio.run(_first_message(url, **origin))
    assert (first["seq"], first["type"]) == (1, "created")


@pytest.mark.django_db(transaction=True)
def test_the_staff_feed_accepts_a_token_without_origin(live_asgi):
    _, key = api_token_create(user=user_create(username="app", role="dispatcher"), name="app")

    async def connect() -> str | None:
        async with websockets.connect(
            f"ws://{live_asgi}/ws/v1/staff/feed/",
            subprotocols=["meldpunt.v1", f"token.{key}"],  # type: ignore[list-item]
            open_timeout=10,
        ) as ws:
            return ws.subprotocol

    assert asyncio.run(connect()) == "meldpunt.v1"


@pytest.mark.django_db(transaction=True)
def test_without_a_valid_token_the_socket_is_still_refused(live_asgi):
    async def connect() -> int | None:
        async with websockets.connect(
            f"ws://{live_asgi}/ws/v1/reports/not-a-real-token/", open_timeout=10
        ) as ws:
            with pytest.raises(websockets.ConnectionClosed):
                await asyncio.wait_for(ws.recv(), timeout=10)
            return ws.close_code

    assert asyncio.run(connect()) == 4404


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("how", ["revoked", "deactivated"])
def test_a_staff_feed_closes_soon_after_its_token_stops_being_valid(live_asgi, settings, how):
    # Issue #14, finding 3: a revoked token's socket kept receiving every report's events.
    from asgiref.sync import sync_to_async

    from backend.accounts.models import ApiToken
    from backend.accounts.services import api_token_revoke

    settings.WS_CREDENTIAL_CHECK_SECONDS = 0.5
    user = user_create(username="leaver", role="dispatcher")
    _, key = api_token_create(user=user, name="leaver")

    def take_away() -> None:
        if how == "revoked":
            api_token_revoke(token=ApiToken.objects.get(user=user))
        else:
            user.is_active = False
            user.save(update_fields=["is_active"])

    async def connect() -> tuple[int | None, float]:
        async with websockets.connect(
            f"ws://{live_asgi}/ws/v1/staff/feed/",
            subprotocols=["meldpunt.v1", f"token.{key}"],  # type: ignore[list-item]
            open_timeout=10,
        ) as ws:
            await sync_to_async(take_away)()
            started = asyncio.get_running_loop().time()
            with pytest.raises(websockets.ConnectionClosed):
                while True:
                    await asyncio.wait_for(ws.recv(), timeout=10)
            return ws.close_code, asyncio.get_running_loop().time() - started

    code, after = asyncio.run(connect())
    assert code == 4401
    assert after < 5
