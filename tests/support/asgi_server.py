"""backend.config.asgi (HTTP and WebSocket) under uvicorn in a thread of the test process, so it
shares the test database; pytest-django's live_server speaks WSGI only."""

import contextlib
import threading
from collections.abc import Iterator

import uvicorn

from tests.support.redis_server import free_port
from tests.support.waiting import eventually


@contextlib.contextmanager
def asgi_server() -> Iterator[int]:
    """Serve on a free loopback port, yielded; stopped on leaving."""
    from backend.config.asgi import application

    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            application, host="127.0.0.1", port=port, lifespan="off", log_level="warning"
        )
    )
    thread = threading.Thread(target=server.run, name="uvicorn", daemon=True)
    thread.start()
    eventually(lambda: server.started, timeout=20, message="uvicorn did not start")
    try:
        yield port
    finally:
        server.should_exit = True
        thread.join(timeout=10)
