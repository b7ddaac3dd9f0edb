"""Nothing committed is lost, nothing uncommitted is pushed, nothing is pushed twice: proved with
a private Redis that the test stops and starts, the real channel layer, PostgreSQL and a real
Celery worker."""

import pytest
from asgiref.sync import sync_to_async
from channels.routing import URLRouter
from django.core import mail
from django.db import transaction

from backend.config.celery import app as celery_app
from backend.notifications.models import MailDelivery
from backend.notifications.tasks import deliveries_sweep
from backend.reports.actors import ActorRef
from backend.reports.models import OutboxEntry
from backend.reports.services import report_transition
from backend.reports.tasks import outbox_publish, outbox_sweep
from backend.reports.tracking import tracking_token_for
from frontend_api.realtime.routing import websocket_urlpatterns
from tests.reports.factories import make_report
from tests.support.waiting import eventually
from tests.support.websocket import SocketCommunicator, run_async, socket_events, socket_quiet
from tests.support.worker import running_worker

pytestmark = pytest.mark.django_db(transaction=True)


def _send_mails_with_a_worker() -> None:
    """Beat's delivery sweep, and a real worker sending what it queued."""
    with running_worker(celery_app):
        deliveries_sweep()
        eventually(
            lambda: not MailDelivery.objects.filter(state="pending").exists(),
            timeout=20,
            message="the worker did not send the mails",
        )


@run_async
async def test_three_changes_committed_while_redis_is_down_reach_socket_and_mail_in_order_once(
    private_redis, settings
):
    settings.OUTBOX_RETRY_AFTER_SECONDS = 0
    settings.DELIVERY_RETRY_SECONDS = 0
    settings.WS_HEARTBEAT_SECONDS = 0.3
    settings.WS_HEARTBEAT_MISSED = 1000  # the test client does not answer pings
    report = await sync_to_async(make_report)(email="r@example.nl", allow_contact=True)
    await sync_to_async(outbox_sweep)()
    ws = SocketCommunicator(
        URLRouter(websocket_urlpatterns), f"/ws/v1/reports/{tracking_token_for(report.id)}/"
    )
    assert (await ws.connect())[0]
    assert [e["seq"] for e in await socket_events(ws, 1)] == [1]

    await sync_to_async(private_redis.stop)()

    def three_changes():
        for target in ("assigned", "in_progress", "scheduled"):
            report_transition(report_id=report.id, actor=ActorRef.staff(None), to=target)
        outbox_sweep()  # the channel layer fails; the deliveries subscriber does not need Redis

    await sync_to_async(three_changes)()
    pending = await sync_to_async(list)(
        OutboxEntry.objects.filter(published_at__isnull=True).values_list("event__seq", flat=True)
    )
    assert sorted(pending) == [3, 4, 5]
    assert await sync_to_async(MailDelivery.objects.count)() == 4  # receipt + three changes

    await sync_to_async(private_redis.start)()
    # The socket re-joins its group on the next heartbeat and catches up from the database;
    # the sweep then publishes the three live, and the socket drops what it has already sent.
    received = await socket_events(ws, 3)
    await sync_to_async(outbox_sweep)()
    assert [(e["seq"], e["status"]) for e in received] == [
        (3, "assigned"),
        (4, "in_progress"),
        (5, "scheduled"),
    ]
    assert not await sync_to_async(OutboxEntry.objects.filter(published_at__isnull=True).exists)()

    # Live again after the outage: one more change arrives through the group.
    def one_more():
        report_transition(report_id=report.id, actor=ActorRef.staff(None), to="in_progress")
        outbox_sweep()

    await sync_to_async(one_more)()
    assert [e["seq"] for e in await socket_events(ws, 1)] == [6]

    # The mails, sent by a real worker once the broker is back (the receipt's task was lost
    # with the Redis restart; the sweep re-queued it).
    await sync_to_async(_send_mails_with_a_worker)()
    subjects = [m.subject.split(":")[0] for m in mail.outbox]
    assert subjects == ["Uw melding is ontvangen"] + ["Nieuws over uw melding"] * 4
    assert [m.body.split("\n")[2] for m in mail.outbox[1:]] == [
        "Uw melding is doorgezet naar het team dat het gaat oplossen.",
        "Er wordt aan uw melding gewerkt.",
        "Het werk voor uw melding is ingepland.",
        "Er wordt aan uw melding gewerkt.",
    ]

    # A retried publisher task, another sweep of each kind: nothing twice, anywhere.
    def retry_everything():
        outbox_publish(list(OutboxEntry.objects.values_list("pk", flat=True)))
        outbox_sweep()
        _send_mails_with_a_worker()

    await sync_to_async(retry_everything)()
    assert len(mail.outbox) == 5
    assert await socket_quiet(ws)
    await ws.disconnect()


@run_async
async def test_a_rolled_back_change_pushes_nothing(private_redis, settings):
    settings.OUTBOX_RETRY_AFTER_SECONDS = 0
    report = await sync_to_async(make_report)(email="r@example.nl", allow_contact=True)
    await sync_to_async(outbox_sweep)()
    ws = SocketCommunicator(
        URLRouter(websocket_urlpatterns), f"/ws/v1/reports/{tracking_token_for(report.id)}/"
    )
    assert (await ws.connect())[0]
    await socket_events(ws, 1)

    def rolled_back():
        with pytest.raises(RuntimeError), transaction.atomic():
            report_transition(
                report_id=report.id, actor=ActorRef.staff(None), to="closed", resolution="fixed"
            )
            raise RuntimeError("rolled back")
        outbox_sweep()

    await sync_to_async(rolled_back)()
    assert await socket_quiet(ws)
    assert await sync_to_async(MailDelivery.objects.count)() == 1  # the receipt only
    await ws.disconnect()
