"""HTTP under ASGI: Django's synchronous request cycle, once per request, in a thread pool.

Every view and middleware of ours is synchronous. Django's own ASGI handler serves them by
starting a thread per request (ThreadSensitiveContext) and crossing between that thread and
the event loop five times (request_started, the middleware chain, back to the event loop for
the async core, the view, response.close), each crossing copying the context and waiting for
the GIL: more CPU per request than a bare create's own work (bench/intake.py shows it). Here
the event loop only reads the body and writes the response; the
whole Django cycle between runs in one call on a long-lived worker thread, as under a WSGI
server. WebSocket stays with Channels (see asgi.py).
"""

import asyncio
import os
from concurrent.futures import ThreadPoolExecutor
from typing import Any, cast

from django.core import signals
from django.core.exceptions import RequestAborted
from django.core.handlers.asgi import ASGIHandler, get_script_prefix
from django.core.handlers.base import BaseHandler
from django.http import HttpResponseBase, StreamingHttpResponse
from django.urls import set_script_prefix

Scope = dict[str, Any]


class ThreadedHTTPHandler(ASGIHandler):
    def __init__(self, *, threads: int) -> None:
        # BaseHandler, not ASGIHandler.__init__: the middleware chain is built synchronous.
        BaseHandler.__init__(self)
        self.load_middleware(is_async=False)
        self.threads = threads
        self._executor: ThreadPoolExecutor | None = None

    def _pool(self) -> ThreadPoolExecutor:
        # Created on first use, in the serving process: uvicorn imports the application in
        # its supervisor before it forks or spawns the workers.
        if self._executor is None:
            self._executor = ThreadPoolExecutor(self.threads, thread_name_prefix="http")
        return self._executor

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            raise ValueError(f"{type(self).__name__} serves HTTP only, not {scope['type']}")
        try:
            body_file = await self.read_body(receive)
        except RequestAborted:  # the client went away while sending the body
            return
        loop = asyncio.get_running_loop()
        try:
            response, body = await loop.run_in_executor(
                self._pool(), self._respond, scope, body_file
            )
        finally:
            body_file.close()
        if body is not None:
            await self._send(response, body, send)
            return
        try:
            await self.send_response(response, send)
        finally:
            await loop.run_in_executor(self._pool(), response.close)

    def _respond(self, scope: Scope, body_file: Any) -> tuple[HttpResponseBase, bytes | None]:
        """The whole Django cycle on one thread, closing included: request_finished returns
        the database connection of the thread it runs on, so it must be the view's thread."""
        set_script_prefix(get_script_prefix(scope))
        signals.request_started.send(sender=self.__class__, scope=scope)
        request, error_response = self.create_request(scope, body_file)
        # create_request answers a malformed request itself; the middleware chain turns
        # exceptions into responses.
        response = (
            cast(HttpResponseBase, error_response)
            if request is None
            else self.get_response(request)
        )
        response._handler_class = self.__class__  # type: ignore[attr-defined]
        if isinstance(response, StreamingHttpResponse) and response.is_async:
            return response, None  # the event loop iterates it (and closes it after)
        try:
            # A synchronous stream (a static file) is read whole, as Django's ASGI handler
            # does too: it cannot be iterated on the event loop.
            if isinstance(response, StreamingHttpResponse):
                body = b"".join(response.streaming_content)  # type: ignore[arg-type]
            else:
                body = response.content  # type: ignore[attr-defined]
        finally:
            response.close()
        return response, body

    async def _send(self, response: HttpResponseBase, body: bytes, send: Any) -> None:
        headers = [
            (
                header.encode("ascii") if isinstance(header, str) else bytes(header),
                value.encode("latin1") if isinstance(value, str) else bytes(value),
            )
            for header, value in response.items()
        ]
        headers += [
            (b"Set-Cookie", cookie.output(header="").encode("ascii").strip())
            for cookie in response.cookies.values()
        ]
        await send(
            {"type": "http.response.start", "status": response.status_code, "headers": headers}
        )
        await send({"type": "http.response.body", "body": body})


def http_application() -> ThreadedHTTPHandler:
    # One thread per database connection the process may hold (DATABASE_POOL_MAX_SIZE).
    return ThreadedHTTPHandler(threads=int(os.environ.get("WEB_THREADS", "8")))
