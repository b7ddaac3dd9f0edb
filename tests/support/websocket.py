"""Drive an ASGI WebSocket application in-process (channels.testing needs daphne, which this
project does not install), plus a decorator running an async test in a sync pytest."""

import functools
import json
import time
from unittest import mock
from urllib.parse import unquote, urlparse

from asgiref.sync import async_to_sync
from asgiref.testing import ApplicationCommunicator


def run_async(test):
    @functools.wraps(test)
    def wrapper(*args, **kwargs):
        return async_to_sync(test)(*args, **kwargs)

    return wrapper


def _no_op() -> None:
    pass


class SocketCommunicator(ApplicationCommunicator):
    def __init__(self, application, path: str, subprotocols: list[str] | None = None):
        parsed = urlparse(path)
        scope = {
            "type": "websocket",
            "path": unquote(parsed.path),
            "query_string": parsed.query.encode(),
            "headers": [],
            "subprotocols": subprotocols or [],
        }
        super().__init__(application, scope)

    # As channels.testing does: database_sync_to_async would otherwise close the test's own
    # connection (CONN_MAX_AGE=0) after every call.
    async def send_input(self, message):
        with mock.patch("channels.db.close_old_connections", _no_op):
            return await super().send_input(message)

    async def receive_output(self, timeout: float = 1):
        with mock.patch("channels.db.close_old_connections", _no_op):
            return await super().receive_output(timeout)

    async def connect(self, timeout: float = 5) -> tuple[bool, object]:
        await self.send_input({"type": "websocket.connect"})
        response = await self.receive_output(timeout)
        if response["type"] == "websocket.close":
            return False, response.get("code", 1000)
        assert response["type"] == "websocket.accept"
        return True, response.get("subprotocol")

    async def send_to(self, text_data: str) -> None:
        await self.send_input({"type": "websocket.receive", "text": text_data})

    async def receive_from(self, timeout: float = 1) -> str:
        response = await self.receive_output(timeout)
        assert response["type"] == "websocket.send", response
        return response["text"]

    async def disconnect(self, code: int = 1000, timeout: float = 5) -> None:
        await self.send_input({"type": "websocket.disconnect", "code": code})
        await self.wait(timeout)


async def socket_events(ws: SocketCommunicator, count: int, timeout: float = 10) -> list[dict]:
    """The next ``count`` events, skipping heartbeat pings."""
    received: list[dict] = []
    while len(received) < count:
        message = json.loads(await ws.receive_from(timeout=timeout))
        if message.get("type") != "ping":
            received.append(message)
    return received


async def socket_quiet(ws: SocketCommunicator, wait: float = 1.0) -> bool:
    """True when nothing but heartbeat pings arrives for ``wait`` seconds."""
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        if await ws.receive_nothing(timeout=0.05):
            continue
        if json.loads(await ws.receive_from()).get("type") != "ping":
            return False
    return True
