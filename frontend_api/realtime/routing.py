"""WebSocket routes: a resident's report, the staff feed; every other path is closed with 4404.

Both sockets take their credential from a token (the tracking token in the path, a staff API
token in the subprotocol or query), so they accept any Origin: native apps send none, or
"null". The staff feed also takes the console's session cookie (its route reads cookies); then,
and only then, the consumer checks the Origin, which protects a cookie from other sites.
"""

from channels.sessions import CookieMiddleware
from django.urls import re_path

from .consumers import ReportEventsConsumer, StaffFeedConsumer, UnknownPathConsumer

websocket_urlpatterns = [
    re_path(
        r"^ws/v1/reports/(?P<tracking_token>[A-Za-z0-9_-]{1,100})/$",
        ReportEventsConsumer.as_asgi(),
    ),
    re_path(r"^ws/v1/staff/feed/$", CookieMiddleware(StaffFeedConsumer.as_asgi())),
    re_path(r"^.*$", UnknownPathConsumer.as_asgi()),
]
