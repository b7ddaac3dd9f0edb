"""WebSocket routes. The report and staff-feed consumers arrive with the push-updates work;
every other path is closed with 4404."""

from django.urls import re_path

from .consumers import UnknownPathConsumer

websocket_urlpatterns = [
    re_path(r"^.*$", UnknownPathConsumer.as_asgi()),
]
