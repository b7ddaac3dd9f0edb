"""Nothing committed is lost when Redis is away; nothing is delivered twice."""

import asyncio

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels_redis.core import RedisChannelLayer

from backend.config.celery import app as celery_app
from backend.config.fanout import FANOUT
from backend.notifications.realtime import report_group
from backend.reports.actors import ActorRef
from backend.reports.models import OutboxEntry, ReportEvent
from backend.reports.outbox import Subscriber
from backend.reports.services import report_transition
from backend.reports.tasks import outbox_publish, outbox_sweep
from tests.reports.factories import make_report
from tests.support.waiting import eventually
from tests.support.worker import running_worker

# The fan-out table of these tests: the real one, and what a test adds to it.
TEST_FANOUT: list[Subscriber] = []


@pytest.fixture
def recorder(settings):
    received: list[tuple[str, int]] = []
    TEST_FANOUT[:] = [
        *FANOUT,
        Subscriber(
            "test-recorder",
            lambda events: received.extend((str(event.report_id), event.seq) for event in events),
        ),
    ]
    settings.REPORT_FANOUT = f"{__name__}.TEST_FANOUT"
    yield received
    TEST_FANOUT.clear()


def _listen_while(redis_url: str, report_id, action, expected: int) -> list[dict]:
    """Join the report's group like a resident's socket, run ``action``, collect what arrives.

    Its own layer and one event loop: a channel's receive buffer belongs to one loop.
    """

    async def run():
        layer = RedisChannelLayer(hosts=[redis_url])
        channel = await layer.new_channel()
        await layer.group_add(report_group(report_id), channel)
        await sync_to_async(action)()
        messages = []
        try:
            async with asyncio.timeout(5):
                while len(messages) < expected:
                    messages.append(await layer.receive(channel))
            # Anything beyond what we expect would be a duplicate.
            async with asyncio.timeout(0.5):
                messages.append(await layer.receive(channel))
        except TimeoutError:
            pass
        await layer.flush()
        return messages

    return async_to_sync(run)()


@pytest.mark.django_db(transaction=True)
def test_events_committed_while_redis_is_down_arrive_in_order_once_after_it_is_back(
    private_redis, recorder, settings
):
    settings.OUTBOX_RETRY_AFTER_SECONDS = 0
    report = make_report()
    outbox_sweep()  # as beat would: nothing else runs a worker in this test
    assert [seq for _, seq in recorder] == [1, 2]

    private_redis.stop()
    staff = ActorRef.staff(None)
    for target in ("assigned", "in_progress", "scheduled"):
        report_transition(report_id=report.id, actor=staff, to=target)  # commits despite Redis

    # The committing process published each change at once: the realtime subscriber failed
    # and the entries stay; a subscriber that does not need Redis got them, once.
    pending = OutboxEntry.objects.filter(published_at__isnull=True).order_by("pk")
    assert [e.event.seq for e in pending] == [3, 4, 5]
    assert all("realtime" in e.last_error and e.attempts == 1 for e in pending)
    assert all("test-recorder" in e.delivered_to for e in pending)
    assert [seq for _, seq in recorder] == [1, 2, 3, 4, 5]

    # While Redis is down the sweep fails for the realtime subscriber again and keeps them.
    outbox_sweep()
    pending = OutboxEntry.objects.filter(published_at__isnull=True).order_by("pk")
    assert [e.event.seq for e in pending] == [3, 4, 5]
    assert all("realtime" in e.last_error and e.attempts == 2 for e in pending)
    assert not any("realtime" in e.delivered_to for e in pending)
    assert [seq for _, seq in recorder] == [1, 2, 3, 4, 5]

    private_redis.start()
    # A resident's socket (re)joins the group; the next sweep delivers what was missed.
    messages = _listen_while(private_redis.url, report.id, outbox_sweep, expected=3)
    assert [m["event"]["seq"] for m in messages] == [3, 4, 5]
    assert [m["event"]["status"] for m in messages] == ["assigned", "in_progress", "scheduled"]
    assert [seq for _, seq in recorder] == [1, 2, 3, 4, 5]
    assert not OutboxEntry.objects.filter(published_at__isnull=True).exists()

    # A retried publisher task and another sweep deliver nothing twice.
    def again():
        outbox_publish(list(OutboxEntry.objects.values_list("pk", flat=True)))
        outbox_sweep()

    assert _listen_while(private_redis.url, report.id, again, expected=0) == []
    assert [seq for _, seq in recorder] == [1, 2, 3, 4, 5]


@pytest.mark.django_db(transaction=True)
def test_a_partial_failure_is_retried_only_for_the_subscriber_that_failed(
    private_redis, recorder, settings
):
    settings.OUTBOX_RETRY_AFTER_SECONDS = 0
    flaky_calls: list[int] = []

    def flaky(events):
        flaky_calls.extend(event.seq for event in events)
        if len(flaky_calls) == 1:
            raise ConnectionError("push service unreachable")

    TEST_FANOUT.append(Subscriber("test-flaky", flaky))
    try:
        report = make_report()
        OutboxEntry.objects.filter(event__seq=2).update(next_attempt_at="2999-01-01T00:00:00Z")
        outbox_sweep()
        entry = OutboxEntry.objects.get(event__report=report, event__seq=1)
        assert entry.published_at is None and "test-flaky" not in entry.delivered_to
        assert "realtime" in entry.delivered_to and "test-recorder" in entry.delivered_to
        outbox_sweep()
        entry.refresh_from_db()
        assert entry.published_at is not None
        assert flaky_calls == [1, 1]
        assert recorder == [(str(report.id), 1)]  # not again because test-flaky failed once
    finally:
        TEST_FANOUT.pop()


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_change_publishes_nothing(private_redis, recorder, settings):
    settings.OUTBOX_RETRY_AFTER_SECONDS = 0
    report = make_report()
    outbox_sweep()
    from django.db import transaction

    with pytest.raises(RuntimeError), transaction.atomic():
        report_transition(report_id=report.id, actor=ActorRef.staff(None), to="in_progress")
        raise RuntimeError("rolled back")
    outbox_sweep()
    assert [seq for _, seq in recorder] == [1, 2]
    assert ReportEvent.objects.filter(report=report).count() == 2


@pytest.mark.django_db(transaction=True)
def test_a_running_worker_publishes_right_after_commit_without_the_sweep(recorder, settings):
    # The sweep would only look after an hour: delivery here is the on-commit task.
    settings.OUTBOX_RETRY_AFTER_SECONDS = 3600
    with running_worker(celery_app):
        report = make_report()
        unpublished = OutboxEntry.objects.filter(event__report=report, published_at__isnull=True)
        eventually(
            lambda: not unpublished.exists(),
            timeout=15,
            message="the worker did not publish the events",
        )
    assert sorted(seq for _, seq in recorder) == [1, 2]


@pytest.mark.django_db
def test_published_entries_are_pruned_after_a_while_and_events_stay():
    from datetime import timedelta

    from django.utils import timezone

    from backend.reports.outbox import outbox_prune

    report = make_report()
    old, recent = OutboxEntry.objects.filter(event__report=report).order_by("pk")
    OutboxEntry.objects.filter(pk=old.pk).update(published_at=timezone.now() - timedelta(days=8))
    OutboxEntry.objects.filter(pk=recent.pk).update(published_at=timezone.now())
    pending = make_report()
    assert outbox_prune(older_than=timedelta(days=7)) == 1
    assert not OutboxEntry.objects.filter(pk=old.pk).exists()
    assert OutboxEntry.objects.filter(pk=recent.pk).exists()
    assert OutboxEntry.objects.filter(event__report=pending).count() == 2
    assert ReportEvent.objects.filter(report=report).count() == 2


@pytest.mark.django_db(transaction=True)
def test_a_drain_publishes_everything_committed_before_it_and_clears_the_flag(
    private_redis, recorder
):
    from backend.reports.outbox import _KICK_KEY, _kick_client, outbox_drain

    first, second = make_report(), make_report()
    # The on-commit kicks found the flag set by the first commit: one drain serves both.
    assert _kick_client().exists(_KICK_KEY)
    assert outbox_drain() == 4
    assert not _kick_client().exists(_KICK_KEY)
    assert sorted(recorder) == sorted(
        [(str(first.id), 1), (str(first.id), 2), (str(second.id), 1), (str(second.id), 2)]
    )


@pytest.mark.django_db(transaction=True)
def test_events_committed_during_the_batch_window_go_out_in_the_same_drain(
    private_redis, recorder, settings, monkeypatch
):
    """Under a stream of events the drain waits OUTBOX_BATCH_WINDOW_MS between batches, and
    what was committed meanwhile goes out in its next batch, not in a task of its own."""
    from backend.reports import outbox

    settings.OUTBOX_BATCH_WINDOW_MS = 40
    waits: list[float] = []
    late: list = []

    def window(seconds: float) -> None:
        waits.append(seconds)
        if not late:  # a resident files a report while the drain waits
            late.append(make_report())

    monkeypatch.setattr(outbox, "sleep", window)
    first = make_report()
    assert outbox.outbox_drain() == 4
    assert waits[0] == pytest.approx(0.04)
    assert sorted(recorder) == sorted(
        [(str(r.id), seq) for r in (first, late[0]) for seq in (1, 2)]
    )
    assert not OutboxEntry.objects.filter(published_at__isnull=True).exists()
    # The late report's commit found the flag set (a drain under way) and queued no task of
    # its own: the one on the broker's queue is the first report's.
    assert outbox._kick_client().llen("celery") == 1


@pytest.mark.django_db(transaction=True)
def test_without_a_window_the_drain_never_waits(private_redis, recorder, settings, monkeypatch):
    from backend.reports import outbox

    settings.OUTBOX_BATCH_WINDOW_MS = 0
    monkeypatch.setattr(outbox, "sleep", lambda seconds: pytest.fail("waited"))
    make_report()
    assert outbox.outbox_drain() == 2


@pytest.mark.django_db(transaction=True)
def test_a_persons_change_is_published_by_the_process_that_committed_it(private_redis, recorder):
    """No drain task runs: the dispatcher's close reaches every subscriber as the service
    returns, and nothing is queued for a worker (under an intake burst it would wait behind
    thousands of entries)."""
    from backend.reports import outbox

    report = make_report()  # intake: left to the drain task, queued on commit
    assert outbox._kick_client().llen("celery") == 1
    outbox._kick_client().delete("celery", outbox._KICK_KEY)

    report_transition(report_id=report.id, actor=ActorRef.staff(None), to="assigned")

    assert (str(report.id), 3) in recorder
    assert not OutboxEntry.objects.filter(event__seq=3, published_at__isnull=True).exists()
    assert outbox._kick_client().llen("celery") == 0
    assert not outbox._kick_client().exists(outbox._KICK_KEY)


@pytest.mark.django_db(transaction=True)
def test_what_the_committing_process_could_not_publish_stays_due_and_a_drain_is_kicked(
    private_redis, recorder, monkeypatch
):
    from backend.reports import outbox

    report = make_report()
    outbox._kick_client().delete("celery", outbox._KICK_KEY)

    def broken(*, entry_ids):
        raise RuntimeError("database went away after commit")

    monkeypatch.setattr(outbox, "outbox_entries_publish", broken)
    changed = report_transition(report_id=report.id, actor=ActorRef.staff(None), to="assigned")

    assert changed.status == "assigned"  # the change itself stands
    entry = OutboxEntry.objects.get(event__report=report, event__seq=3)
    assert entry.published_at is None and entry.attempts == 0
    assert outbox._kick_client().exists(outbox._KICK_KEY)
    assert outbox._kick_client().llen("celery") == 1


@pytest.mark.django_db(transaction=True)
def test_a_bulk_change_leaves_its_fan_out_to_the_drain(private_redis, recorder, settings):
    from backend.reports import outbox
    from backend.reports.change import report_changes
    from backend.reports.workflow import Status

    settings.OUTBOX_PUBLISH_HERE_MAX = 2
    reports = [make_report() for _ in range(3)]
    outbox._kick_client().delete("celery", outbox._KICK_KEY)
    recorder.clear()

    with report_changes(report_ids=[r.id for r in reports], actor=ActorRef.staff(None)) as changes:
        for change in changes.values():
            change.transition(Status.ASSIGNED)

    assert recorder == []
    assert outbox._kick_client().llen("celery") == 1


@pytest.mark.django_db(transaction=True)
def test_one_drain_at_a_time_and_the_running_one_serves_what_came_in_meanwhile(
    private_redis, recorder
):
    from backend.reports import outbox

    client = outbox._kick_client()
    client.set(outbox._DRAINING_KEY, "another worker's drain")
    make_report()
    # Queued on commit, it finds a drain running and gives the worker's slot back at once.
    assert outbox.outbox_drain() == 0
    assert OutboxEntry.objects.filter(published_at__isnull=True).count() == 2

    # That other drain ends: the kick flag it finds set sends it round once more.
    client.delete(outbox._DRAINING_KEY)
    assert client.exists(outbox._KICK_KEY)
    assert outbox.outbox_drain() == 2
    assert not client.exists(outbox._DRAINING_KEY)
    assert not OutboxEntry.objects.filter(published_at__isnull=True).exists()


@pytest.mark.django_db(transaction=True)
def test_a_kick_during_the_last_pass_is_not_left_to_the_sweep(private_redis, recorder, monkeypatch):
    """A commit after the drain's last look, while it still holds the lock: its task gives up
    (a drain is running), and the running drain goes round again for it."""
    from backend.reports import outbox

    first = make_report()
    passes = 0
    late: list = []
    real_pass = outbox._drain_pass

    def drain_pass(client):
        nonlocal passes
        passes += 1
        published = real_pass(client)
        if client is None and not late:
            late.append(make_report())  # its kick sets the flag; its task would give up
            assert outbox.outbox_drain() == 0
        return published

    monkeypatch.setattr(outbox, "_drain_pass", drain_pass)
    assert outbox.outbox_drain() == 4
    assert passes == 4
    assert sorted(recorder) == sorted(
        [(str(r.id), seq) for r in (first, late[0]) for seq in (1, 2)]
    )
