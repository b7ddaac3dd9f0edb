from channels.generic.websocket import WebsocketConsumer

# Application close code for "no such resource", in the 4000-4999 range RFC 6455 leaves to
# applications; mirrors HTTP 404.
CLOSE_NOT_FOUND = 4404


class UnknownPathConsumer(WebsocketConsumer):
    """Any WebSocket path nobody serves: a clean close the client can act on, not a 500."""

    def connect(self) -> None:
        self.accept()
        self.close(code=CLOSE_NOT_FOUND)
