"""The resident's socket and the staff feed, against the real channel layer (Redis) and
PostgreSQL: replay, live events, each once and in order, gaps healed, heartbeats."""

import json

import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from channels.routing import URLRouter

from backend.accounts.services import api_token_create, user_create
from backend.notifications.realtime import report_group
from backend.reports.actors import ActorRef
from backend.reports.models import ReportEvent
from backend.reports.services import report_note_add, report_transition
from backend.reports.tracking import tracking_token_for
from frontend_api.realtime.consumers import (
    CLOSE_FORBIDDEN,
    CLOSE_NOT_FOUND,
    CLOSE_TIMEOUT,
    CLOSE_UNAUTHENTICATED,
)
from frontend_api.realtime.routing import websocket_urlpatterns
from tests.notifications.conftest import publish
from tests.reports.factories import make_report
from tests.support.websocket import SocketCommunicator, run_async, socket_events, socket_quiet

pytestmark = pytest.mark.django_db(transaction=True)
EVENT_KEYS = {"seq", "type", "status", "status_text", "text", "at"}


def _socket(path: str, subprotocols=None) -> SocketCommunicator:
    return SocketCommunicator(URLRouter(websocket_urlpatterns), path, subprotocols=subprotocols)


def _move(report, *targets, text=""):
    for target in targets:
        report_transition(
            report_id=report.id, actor=ActorRef.staff(None), to=target, public_text=text
        )


@run_async
async def test_replay_then_live_each_once_in_order_public_payload_only():
    report = await sync_to_async(make_report)(
        email="r@example.nl", phone="0611111111", allow_contact=True, language="en"
    )
    await sync_to_async(_move)(report, "in_progress")
    token = tracking_token_for(report.id)
    ws = _socket(f"/ws/v1/reports/{token}/")
    connected, _ = await ws.connect()
    assert connected
    replayed = await socket_events(ws, 2)
    assert [(e["seq"], e["status"]) for e in replayed] == [(1, "received"), (3, "in_progress")]
    assert all(set(e) == EVENT_KEYS for e in replayed)
    assert replayed[1]["status_text"] == "Work on your report is in progress."

    def staff_work():
        from backend.accounts.services import user_create

        piet = user_create(username="piet", role="dispatcher")
        report_note_add(report_id=report.id, author=piet, text="intern: bel de aannemer")
        _move(report, "scheduled", text="Tuesday")
        publish()  # the outbox fan-out, also of the events the socket replayed already

    await sync_to_async(staff_work)()
    live = await socket_events(ws, 1)
    assert live == [
        {
            "seq": 5,
            "type": "status_changed",
            "status": "scheduled",
            "status_text": "The work for your report has been scheduled.",
            "text": "Tuesday",
            "at": live[0]["at"],
        }
    ]
    assert await socket_quiet(ws)  # seq 1 and 3 came again from the outbox: dropped
    await ws.disconnect()
    everything = json.dumps(replayed + live)
    for secret in ("r@example.nl", "0611111111", "piet", "aannemer"):
        assert secret not in everything


@run_async
async def test_reconnecting_with_after_gets_exactly_what_was_missed():
    report = await sync_to_async(make_report)()
    await sync_to_async(_move)(report, "in_progress", "scheduled", "in_progress")
    ws = _socket(f"/ws/v1/reports/{tracking_token_for(report.id)}/?after=3")
    assert (await ws.connect())[0]
    assert [e["seq"] for e in await socket_events(ws, 2)] == [4, 5]
    assert await socket_quiet(ws)
    await ws.disconnect()


@run_async
async def test_unknown_token_closes_with_4404():
    ws = _socket("/ws/v1/reports/not-a-real-token/")
    connected, _ = await ws.connect()
    assert connected
    assert (await ws.receive_output(timeout=5)) == {
        "type": "websocket.close",
        "code": CLOSE_NOT_FOUND,
    }


@run_async
async def test_a_live_event_after_a_gap_catches_up_from_the_database_and_duplicates_are_dropped():
    report = await sync_to_async(make_report)()
    ws = _socket(f"/ws/v1/reports/{tracking_token_for(report.id)}/")
    assert (await ws.connect())[0]
    assert [e["seq"] for e in await socket_events(ws, 1)] == [1]
    # Two changes commit; the socket hears only of the second (the first message was lost),
    # and then of both again (a publisher retry).
    await sync_to_async(_move)(report, "in_progress", "scheduled")
    rows = await sync_to_async(list)(ReportEvent.objects.filter(report=report, seq__gte=3))
    from backend.reports.presentation import public_event

    layer = get_channel_layer()
    group = report_group(report.id)
    second = {"type": "report.event", "event": public_event(rows[1], report), "prev": 3}
    first = {"type": "report.event", "event": public_event(rows[0], report), "prev": 1}
    await layer.group_send(group, second)
    assert [e["seq"] for e in await socket_events(ws, 2)] == [3, 4]
    await layer.group_send(group, first)
    await layer.group_send(group, second)
    assert await socket_quiet(ws)
    await ws.disconnect()


@run_async
async def test_heartbeat_pings_and_closes_a_silent_client(settings):
    settings.WS_HEARTBEAT_SECONDS = 0.2
    settings.WS_HEARTBEAT_MISSED = 3
    report = await sync_to_async(make_report)()
    token = tracking_token_for(report.id)

    talker = _socket(f"/ws/v1/reports/{token}/")
    assert (await talker.connect())[0]
    await socket_events(talker, 1)
    pings = 0
    for _ in range(8):  # well past three intervals, answering every ping
        message = json.loads(await talker.receive_from(timeout=5))
        assert message == {"type": "ping"}
        pings += 1
        await talker.send_to(text_data=json.dumps({"type": "pong"}))
    assert pings == 8
    await talker.send_to(text_data=json.dumps({"type": "ping"}))
    answers = [json.loads(await talker.receive_from(timeout=5)) for _ in range(2)]
    assert {"type": "pong"} in answers
    await talker.disconnect()

    silent = _socket(f"/ws/v1/reports/{token}/")
    assert (await silent.connect())[0]
    while True:
        output = await silent.receive_output(timeout=5)
        if output["type"] == "websocket.close":
            break
    assert output["code"] == CLOSE_TIMEOUT


@run_async
async def test_staff_feed_needs_a_municipal_staff_token_and_streams_every_event():
    def users():
        _, dispatcher_key = api_token_create(
            user=user_create(username="d", role="dispatcher"), name="t"
        )
        _, contractor_key = api_token_create(
            user=user_create(username="c", role="contractor"), name="t"
        )
        return dispatcher_key, contractor_key

    dispatcher_key, contractor_key = await sync_to_async(users)()
    for path, protocols, code in [
        ("/ws/v1/staff/feed/", None, CLOSE_UNAUTHENTICATED),
        ("/ws/v1/staff/feed/?token=wrong", None, CLOSE_UNAUTHENTICATED),
        (f"/ws/v1/staff/feed/?token={contractor_key}", None, CLOSE_FORBIDDEN),
        ("/ws/v1/staff/feed/", ["meldpunt.v1", f"token.{contractor_key}"], CLOSE_FORBIDDEN),
    ]:
        ws = _socket(path, protocols)
        assert (await ws.connect())[0]
        assert (await ws.receive_output(timeout=5))["code"] == code

    by_query = _socket(f"/ws/v1/staff/feed/?token={dispatcher_key}")
    by_protocol = _socket("/ws/v1/staff/feed/", ["meldpunt.v1", f"token.{dispatcher_key}"])
    assert (await by_query.connect())[0]
    connected, subprotocol = await by_protocol.connect()
    assert connected and subprotocol == "meldpunt.v1"
    report = await sync_to_async(make_report)()
    await sync_to_async(publish)()
    for ws in (by_query, by_protocol):
        events = await socket_events(ws, 2)
        assert [(e["report"], e["seq"], e["type"]) for e in events] == [
            (str(report.id), 1, "created"),
            (str(report.id), 2, "assigned"),  # internal events too
        ]
        await ws.disconnect()
