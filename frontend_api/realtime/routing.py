"""WebSocket routes: a resident's report, the staff feed; every other path is closed with 4404."""

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
