"""WebSocket routes: a resident's report, the staff feed; every other path is closed with 4404.

Both sockets take their credential from a token (the tracking token in the path, a staff API
token in the subprotocol or query), never from a cookie, so they accept any Origin: native apps
send none, or "null". An Origin check only protects a cookie session from other sites; a socket
that reads one must be wrapped in channels' AllowedHostsOriginValidator and
AuthMiddlewareStack on its own route.
"""

from django.urls import re_path

from .consumers import ReportEventsConsumer, StaffFeedConsumer, UnknownPathConsumer

websocket_urlpatterns = [
    re_path(
        r"^ws/v1/reports/(?P<tracking_token>[A-Za-z0-9_-]{1,100})/$",
        ReportEventsConsumer.as_asgi(),
    ),
    re_path(r"^ws/v1/staff/feed/$", StaffFeedConsumer.as_asgi()),
    re_path(r"^.*$", UnknownPathConsumer.as_asgi()),
]
