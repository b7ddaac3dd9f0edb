"""The staff feed with the console's session cookie: accepted from a page of our own origin,
refused from another (cross-site WebSocket hijacking), and closed once the session ends."""

import asyncio

import pytest
import websockets
from asgiref.sync import sync_to_async
from django.test import Client

from backend.accounts.models import User
from backend.accounts.services import user_create

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "een-lang-wachtwoord-voor-de-test"


def _session_cookie(username: str, role: str, **kwargs) -> tuple[Client, str]:
    user = user_create(username=username, role=role, password=PASSWORD, **kwargs)
    client = Client()
    client.force_login(user)  # the console's login form is tested in tests/frontend_api/console
    return client, client.cookies["sessionid"].value


async def _close_code(url: str, *, origin: str | None, cookie: str) -> int | None:
    async with websockets.connect(
        url, origin=origin, additional_headers={"Cookie": f"sessionid={cookie}"}, open_timeout=10
    ) as ws:
        try:
            while True:
                await asyncio.wait_for(ws.recv(), timeout=3)
        except websockets.ConnectionClosed:
            return ws.close_code
        except TimeoutError:
            return None  # still open


def test_a_console_session_from_our_origin_is_let_in(live_asgi):
    _, cookie = _session_cookie("anna", User.Role.DISPATCHER)
    url = f"ws://{live_asgi}/ws/v1/staff/feed/"
    assert asyncio.run(_close_code(url, origin=f"http://{live_asgi}", cookie=cookie)) is None


@pytest.mark.parametrize("origin", ["https://elsewhere.example", None], ids=["foreign", "none"])
def test_a_session_cookie_from_another_origin_is_refused(live_asgi, origin):
    _, cookie = _session_cookie("anna", User.Role.DISPATCHER)
    url = f"ws://{live_asgi}/ws/v1/staff/feed/"
    assert asyncio.run(_close_code(url, origin=origin, cookie=cookie)) == 4403


def test_no_session_or_a_role_that_may_not_read_every_report(live_asgi):
    from backend.taxonomy.selectors import department_by_code

    url = f"ws://{live_asgi}/ws/v1/staff/feed/"
    origin = f"http://{live_asgi}"
    assert asyncio.run(_close_code(url, origin=origin, cookie="onzin")) == 4401
    _, cookie = _session_cookie("wim", User.Role.DEPARTMENT, department=department_by_code("ASC"))
    assert asyncio.run(_close_code(url, origin=origin, cookie=cookie)) == 4403


def test_signing_out_closes_the_socket(live_asgi, settings):
    settings.WS_CREDENTIAL_CHECK_SECONDS = 0.5
    client, cookie = _session_cookie("anna", User.Role.DISPATCHER)

    async def run() -> int | None:
        async with websockets.connect(
            f"ws://{live_asgi}/ws/v1/staff/feed/",
            origin=f"http://{live_asgi}",
            additional_headers={"Cookie": f"sessionid={cookie}"},
            open_timeout=10,
        ) as ws:
            await sync_to_async(client.logout)()
            try:
                while True:
                    await asyncio.wait_for(ws.recv(), timeout=10)
            except websockets.ConnectionClosed:
                return ws.close_code

    assert asyncio.run(run()) == 4401
