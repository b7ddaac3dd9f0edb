"""An HTTP body larger than any request of ours is refused from its Content-Length, before a
byte of it is read: Django's own limits apply only once the body has been received (and, for
multipart, spooled to disk)."""

from typing import Any

from django.conf import settings

from .errors import body_too_large_response


class BodySizeLimit:
    def __init__(self, application: Any) -> None:
        self.application = application

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http" and self._declared_size(scope) > settings.REQUEST_BODY_MAX_BYTES:
            response = body_too_large_response(scope.get("path", ""))
            await send(
                {
                    "type": "http.response.start",
                    "status": response.status_code,
                    "headers": [
                        (b"content-type", b"application/json"),
                        (b"content-length", str(len(response.content)).encode()),
                        (b"connection", b"close"),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": response.content})
            return
        await self.application(scope, receive, send)

    @staticmethod
    def _declared_size(scope: dict[str, Any]) -> int:
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                try:
                    return int(value)
                except ValueError:
                    return 0
        return 0
