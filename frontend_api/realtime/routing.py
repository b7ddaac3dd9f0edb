"""WebSocket routes. The report and staff-feed consumers arrive with the push-updates work;
until then the ASGI server accepts no WebSocket path."""

websocket_urlpatterns: list = []
