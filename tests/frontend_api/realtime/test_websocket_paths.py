import asyncio

import pytest
import websockets

from frontend_api.realtime.consumers import CLOSE_NOT_FOUND


def test_an_unknown_websocket_path_is_closed_with_4404(live_asgi):
    async def connect():
        async with websockets.connect(
            f"ws://{live_asgi}/ws/v1/nothing-here/",
            origin="http://127.0.0.1",
        ) as ws:
            with pytest.raises(websockets.ConnectionClosed) as closed:
                await ws.recv()
            return closed.value.rcvd.code

    assert asyncio.run(connect()) == CLOSE_NOT_FOUND
