import asyncio
import socket
import subprocess
import sys
import time

import pytest
import websockets

from frontend_api.realtime.consumers import CLOSE_NOT_FOUND


@pytest.fixture
def asgi_server():
    """The real ASGI entry point under uvicorn, as `make run` serves it."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "backend.config.asgi:application",
            "--port",
            str(port),
            "--lifespan",
            "off",
            "--log-level",
            "warning",
        ],
    )
    deadline = time.monotonic() + 20
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            assert time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.1)
    yield port
    process.terminate()
    process.wait(timeout=10)


def test_an_unknown_websocket_path_is_closed_with_4404(asgi_server):
    async def connect():
        async with websockets.connect(
            f"ws://127.0.0.1:{asgi_server}/ws/v1/nothing-here/",
            origin="http://127.0.0.1",
        ) as ws:
            with pytest.raises(websockets.ConnectionClosed) as closed:
                await ws.recv()
            return closed.value.rcvd.code

    assert asyncio.run(connect()) == CLOSE_NOT_FOUND
