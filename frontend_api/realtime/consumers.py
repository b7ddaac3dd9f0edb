"""WebSocket consumers: a resident's report timeline, live, and the staff feed.

Protocol (both sockets), JSON text frames:
- server -> client: event objects (see each consumer), and ``{"type": "ping"}`` every
  WS_HEARTBEAT_SECONDS.
- client -> server: ``{"type": "pong"}`` in answer to a ping, or ``{"type": "ping"}`` at any
  time (answered with ``{"type": "pong"}``). A socket the server has heard nothing from for
  WS_HEARTBEAT_MISSED intervals is closed with 4408.
"""

import asyncio
import contextlib
import json
import logging
import random
from importlib import import_module
from types import SimpleNamespace
from typing import Any
from urllib.parse import parse_qs, urlparse

from asgiref.sync import sync_to_async
from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer, WebsocketConsumer
from django.conf import settings
from django.contrib import auth
from django.http.request import validate_host
from redis.exceptions import TimeoutError as RedisTimeoutError

from backend.accounts.selectors import api_token_for_key
from backend.notifications.realtime import STAFF_FEED_GROUP, report_group
from backend.notifications.selectors import (
    ReportRef,
    report_public_events_after,
    report_ref_by_tracking_token,
)
from frontend_api.common.authentication import auth_failures
from frontend_api.common.throttling import token_lookup_done, token_lookup_verdict

logger = logging.getLogger(__name__)

# Application close codes, in the 4000-4999 range RFC 6455 leaves to applications; they mirror
# the HTTP status codes.
CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_NOT_FOUND = 4404
CLOSE_TIMEOUT = 4408
CLOSE_TOO_MANY = 4429
# Offered by the client next to "token.<key>"; the server selects it.
STAFF_SUBPROTOCOL = "meldpunt.v1"


class UnknownPathConsumer(WebsocketConsumer):
    """Any WebSocket path nobody serves: a clean close the client can act on, not a 500."""

    def connect(self) -> None:
        self.accept()
        self.close(code=CLOSE_NOT_FOUND)


def _raise_if_cancelling(exc: BaseException) -> None:
    """A cancel that lands while redis-py's read timeout fires comes out as a timeout or
    connection error; retrying then would swallow the cancel and the task would never end
    (a server shutdown or a test's event loop would wait for it forever)."""
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError from exc


class _HeartbeatConsumer(AsyncWebsocketConsumer):
    """Pings, notices silent clients, and keeps its group membership alive across Redis trouble.

    Each heartbeat re-joins the group: a Redis restart forgets every membership, and this is
    how a connected socket gets them back without the client noticing.
    """

    group: str = ""
    _heartbeat: asyncio.Task | None = None

    # --- surviving a channel layer outage -----------------------------------------------------
    # The base class reads from the channel layer in its dispatch loop; with Redis away that read
    # raises and would end the connection. Wrapped, it waits for Redis to come back instead.
    @property
    def channel_receive(self):  # type: ignore[override]
        return self._receive_resilient

    @channel_receive.setter
    def channel_receive(self, receive) -> None:
        self._receive_raw = receive

    async def _receive_resilient(self) -> dict[str, Any]:
        while True:
            try:
                return await self._receive_raw()
            except asyncio.CancelledError:
                raise
            except RedisTimeoutError as exc:
                # Not trouble: channels_redis blocks 5 s for the next message and redis-py 8
                # gives every read a 5 s timeout, so an idle socket's receive ends like this.
                _raise_if_cancelling(exc)
                continue
            except Exception as exc:  # redis raises several types for "unreachable"
                _raise_if_cancelling(exc)
                logger.warning("channel layer receive failed (%r); retrying", exc)
                await asyncio.sleep(1.0)

    async def dispatch(self, message: dict[str, Any]) -> None:
        # The base class closes stale DB connections (a thread hop) before every message; these
        # consumers touch the database only through database_sync_to_async, which does that.
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    # --- heartbeat --------------------------------------------------------------------------------
    async def _join(self) -> bool:
        try:
            await self.channel_layer.group_add(self.group, self.channel_name)
            return True
        except Exception as exc:
            logger.warning("group_add %s failed (%r); the heartbeat retries", self.group, exc)
            return False

    def _heartbeat_start(self) -> None:
        self._last_heard = asyncio.get_running_loop().time()
        self._heartbeat = asyncio.create_task(self._heartbeat_loop())

    async def _heartbeat_loop(self) -> None:
        interval = settings.WS_HEARTBEAT_SECONDS
        loop = asyncio.get_running_loop()
        # Spread the sockets' heartbeats, so a thousand of them do not all fire at once.
        await asyncio.sleep(interval * random.uniform(0.5, 1.0))
        while True:
            if loop.time() - self._last_heard > interval * settings.WS_HEARTBEAT_MISSED:
                await self.close(code=CLOSE_TIMEOUT)
                return
            try:
                await self.send(text_data='{"type": "ping"}')
            except asyncio.CancelledError:
                raise
            except Exception:
                return  # the client has gone; the disconnect handler cleans up
            try:
                await self._join()
                await self.heartbeat()
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("heartbeat of %s failed", self.group)
            await asyncio.sleep(interval)

    async def heartbeat(self) -> None:
        """Subclasses catch up here."""

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None):
        self._last_heard = asyncio.get_running_loop().time()
        if not text_data:
            return
        try:
            message = json.loads(text_data)
        except ValueError:
            return
        if isinstance(message, dict) and message.get("type") == "ping":
            await self.send(text_data='{"type": "pong"}')

    async def disconnect(self, code: int) -> None:
        if self._heartbeat is not None:
            self._heartbeat.cancel()
        if self.group:
            with contextlib.suppress(Exception):
                await self.channel_layer.group_discard(self.group, self.channel_name)


class ReportEventsConsumer(_HeartbeatConsumer):
    """``/ws/v1/reports/{tracking_token}/?after=SEQ``: the report's public events, each once.

    Sends ``{"seq", "type", "status", "status_text", "text", "at"}`` in the report's language,
    in seq order: first every public event after ``after`` from the database, then live ones.
    The group is joined before the replay, so nothing committed in between is missed; a live
    event at or below the last seq sent is dropped, and one that says an earlier public event
    is missing (its ``prev`` is newer than what was sent) makes the socket catch up from the
    database first.
    """

    report: ReportRef
    last_seq = 0

    async def connect(self) -> None:
        token = self.scope["url_route"]["kwargs"]["tracking_token"]
        query = parse_qs(self.scope.get("query_string", b"").decode(errors="replace"))
        try:
            self.last_seq = max(0, int(query.get("after", ["0"])[0]))
        except ValueError:
            self.last_seq = 0
        # Counted as the HTTP lookups of a tracking token are: a guesser is refused past the
        # miss rate, on the socket as on the page.
        client = _client(self.scope)
        verdict = await sync_to_async(token_lookup_verdict)(client)  # type: ignore[arg-type]
        if not verdict.allowed:
            await self.accept()
            await self.close(code=CLOSE_TOO_MANY)
            return
        report = await database_sync_to_async(report_ref_by_tracking_token)(token)
        status = 404 if report is None else 200
        await sync_to_async(token_lookup_done)(client, status=status)  # type: ignore[arg-type]
        if report is None:
            await self.accept()
            await self.close(code=CLOSE_NOT_FOUND)
            return
        self.report = report
        self.group = report_group(report.id)
        self._lock = asyncio.Lock()
        await self._join()
        await self.accept()
        async with self._lock:
            await self._catch_up()
        self._heartbeat_start()

    async def _catch_up(self) -> None:
        """Send what the database has after the last seq sent. Call with the lock held."""
        events = await database_sync_to_async(report_public_events_after)(
            report=self.report, after=self.last_seq
        )
        for event in events:
            await self.send(text_data=json.dumps(event))
            self.last_seq = event["seq"]

    async def heartbeat(self) -> None:
        async with self._lock:
            await self._catch_up()

    async def report_event(self, message: dict[str, Any]) -> None:
        event = message["event"]
        async with self._lock:
            if event["seq"] <= self.last_seq:
                return  # already sent (replayed, or a publisher retry)
            if message.get("prev", 0) > self.last_seq:
                await self._catch_up()  # a gap: the database has this event and the missed ones
                return
            await self.send(text_data=json.dumps(event))
            self.last_seq = event["seq"]


def _staff_key(scope: dict[str, Any]) -> str | None:
    for protocol in scope.get("subprotocols") or []:
        if protocol.startswith("token."):
            return protocol[len("token.") :]
    query = parse_qs(scope.get("query_string", b"").decode(errors="replace"))
    return query.get("token", [None])[0]


def _staff_user(key: str):
    token = api_token_for_key(key=key)
    return token.user if token is not None else None


def _session_user(session_key: str):
    """The user signed in with this session (the console's cookie), checked as a request is:
    the session must still exist and match the user's password hash; None otherwise."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    request = SimpleNamespace(session=store(session_key))
    user = auth.get_user(request)  # type: ignore[arg-type]
    return user if user.is_authenticated else None


def _client(scope: dict[str, Any]) -> SimpleNamespace:
    """The socket's client as the HTTP throttles read a request's (common/clients.py): the
    peer, and the X-Forwarded-For that NUM_PROXIES proxies appended."""
    headers = dict(scope.get("headers", []))
    peer = (scope.get("client") or ("", 0))[0]
    forwarded = headers.get(b"x-forwarded-for", b"").decode("latin-1")
    return SimpleNamespace(META={"REMOTE_ADDR": peer, "HTTP_X_FORWARDED_FOR": forwarded})


def _same_origin(scope: dict[str, Any]) -> bool:
    """A cookie is sent whatever page opens the socket: only a page of one of our own hosts
    may use it (cross-site WebSocket hijacking). Tokens need no such check."""
    origin = next((v for k, v in scope.get("headers", []) if k == b"origin"), b"").decode("latin-1")
    host = urlparse(origin).hostname if origin else None
    if not host:
        return False
    return validate_host(host, settings.ALLOWED_HOSTS) or origin in settings.CSRF_TRUSTED_ORIGINS


def _session_key(scope: dict[str, Any]) -> str | None:
    cookies = scope.get("cookies") or {}
    return cookies.get(settings.SESSION_COOKIE_NAME) or None


class StaffFeedConsumer(_HeartbeatConsumer):
    """``/ws/v1/staff/feed/``: every event of every report, live, for the dispatchers' console.

    Authenticated with an API token of a municipal staff member: offer the subprotocols
    ``meldpunt.v1`` and ``token.<key>`` (preferred: it stays out of URLs and logs), or pass
    ``?token=<key>``. Without a token, the console's session cookie, from a page of one of our
    own hosts only (the Origin header; another origin: 4403). No credential or an unknown one:
    close 4401; a role that may not read every report (department staff, contractors): 4403. Sends
    ``{"report", "seq", "type", "status", "at"}``; history is the REST API's job. A token
    revoked (or its user deactivated or no longer staff) while connected: closed with 4401
    (4403) within WS_CREDENTIAL_CHECK_SECONDS.
    """

    _key = ""
    _session = ""
    _watch: asyncio.Task | None = None

    async def connect(self) -> None:
        offered = self.scope.get("subprotocols") or []
        subprotocol = STAFF_SUBPROTOCOL if STAFF_SUBPROTOCOL in offered else None
        key = _staff_key(self.scope)
        session = None if key else _session_key(self.scope)
        if session and not _same_origin(self.scope):
            await self.accept(subprotocol=subprotocol)
            await self.close(code=CLOSE_FORBIDDEN)
            return
        if key:
            # Unknown keys count against the client as on the API (common/authentication.py).
            client = _client(self.scope)
            failures = await sync_to_async(auth_failures)(client, record=False)
            if not failures.allowed:
                await self.accept(subprotocol=subprotocol)
                await self.close(code=CLOSE_TOO_MANY)
                return
        user = await database_sync_to_async(self._user)(key, session)
        if key and user is None:
            await sync_to_async(auth_failures)(client, record=True)
        if user is None or not user.is_municipal_staff:
            await self.accept(subprotocol=subprotocol)
            await self.close(code=CLOSE_UNAUTHENTICATED if user is None else CLOSE_FORBIDDEN)
            return
        self.group = STAFF_FEED_GROUP
        self._key = key or ""
        self._session = session or ""
        await self._join()
        await self.accept(subprotocol=subprotocol)
        self._heartbeat_start()
        self._watch = asyncio.create_task(self._credential_watch())

    async def _credential_watch(self) -> None:
        """Close the socket soon after its token is revoked or its user deactivated or
        demoted: the feed carries every report's events, and a token's holder may have left."""
        while True:
            await asyncio.sleep(settings.WS_CREDENTIAL_CHECK_SECONDS)
            try:
                user = await database_sync_to_async(self._user)(self._key, self._session)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the database away: keep serving, ask again next time
                logger.warning("staff feed credential check failed (%r)", exc)
                continue
            if user is None or not user.is_municipal_staff:
                await self.close(code=CLOSE_UNAUTHENTICATED if user is None else CLOSE_FORBIDDEN)
                return

    @staticmethod
    def _user(key: str | None, session: str | None):
        if key:
            return _staff_user(key)
        return _session_user(session) if session else None

    async def disconnect(self, code: int) -> None:
        if self._watch is not None:
            self._watch.cancel()
        await super().disconnect(code)

    async def staff_events(self, message: dict[str, Any]) -> None:
        # One frame per event, as the protocol promises, from one channel-layer message.
        for event in message["events"]:
            await self.send(text_data=json.dumps(event))
