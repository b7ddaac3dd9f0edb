"""A resident's phone, for real: a WebSocket client (the `websockets` package) on the real ASGI
application under uvicorn, a Celery worker fanning out, and a dispatcher moving the report."""

import asyncio
import json

import httpx
import pytest
import websockets
from django.core import mail

from backend.accounts.services import api_token_create, user_create
from backend.config.celery import app as celery_app
from tests.support.waiting import eventually
from tests.support.worker import running_worker


async def _next_event(ws) -> dict:
    while True:
        message = json.loads(await asyncio.wait_for(ws.recv(), timeout=15))
        if message.get("type") != "ping":
            return message


@pytest.mark.django_db(transaction=True)
def test_a_resident_socket_sees_a_staff_transition_arrive(live_asgi):
    _, key = api_token_create(user=user_create(username="e2e", role="dispatcher"), name="e2e")
    staff = {"Authorization": f"Token {key}"}

    async def resident_and_dispatcher():
        async with httpx.AsyncClient(base_url=f"http://{live_asgi}", timeout=15) as http:
            created = await http.post(
                "/api/v1/public/reports/",
                json={
                    "text": "De lantaarnpaal is kapot",
                    "category": "wegen-verkeer-straatmeubilair/straatverlichting",
                    "lat": 52.3731,
                    "lon": 4.8926,
                    "email": "bewoner@example.nl",
                    "allow_contact": True,
                },
            )
            assert created.status_code == 201, created.text
            report = created.json()
            socket_url = report["links"]["websocket"]
            assert socket_url.endswith(f"/ws/v1/reports/{report['tracking_token']}/")
            async with websockets.connect(
                f"ws://{live_asgi}/ws/v1/reports/{report['tracking_token']}/",
                origin="http://127.0.0.1",
            ) as ws:
                first = await _next_event(ws)
                moved = await http.post(
                    f"/api/v1/staff/reports/{report['id']}/transition/",
                    headers=staff,
                    json={"to": "scheduled", "public_text": "Vrijdag komt de monteur."},
                )
                assert moved.status_code == 200, moved.text
                arrived = await _next_event(ws)
                await ws.send(json.dumps({"type": "ping"}))
                pong = json.loads(await asyncio.wait_for(ws.recv(), timeout=15))
        return first, arrived, pong

    with running_worker(celery_app):
        first, arrived, pong = asyncio.run(resident_and_dispatcher())
        eventually(
            lambda: list(mail.outbox),
            until=lambda sent: len(sent) >= 2,
            timeout=15,
            message="mails not sent",
        )

    assert (first["seq"], first["type"], first["status"]) == (1, "created", "received")
    assert arrived == {
        "seq": arrived["seq"],
        "type": "status_changed",
        "status": "scheduled",
        "status_text": "Het werk voor uw melding is ingepland.",
        "text": "Vrijdag komt de monteur.",
        "at": arrived["at"],
    }
    assert arrived["seq"] > first["seq"]
    assert pong == {"type": "pong"}
    assert [m.subject.split(":")[0] for m in mail.outbox] == [
        "Uw melding is ontvangen",
        "Nieuws over uw melding",
    ]
    assert "Vrijdag komt de monteur." in mail.outbox[1].body
