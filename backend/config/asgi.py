"""The one ASGI entry point: HTTP through Django, WebSocket through Channels."""

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.config.settings")
django.setup(set_prefix=False)

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from backend.config.http import http_application  # noqa: E402
from frontend_api.common.body_limit import BodySizeLimit  # noqa: E402
from frontend_api.realtime.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": BodySizeLimit(http_application()),
        # Every socket here is authenticated by a token (see frontend_api/realtime/routing.py),
        # so it is open to any origin: native apps send none.
        "websocket": URLRouter(websocket_urlpatterns),
    }
)
