"""Photos and bookkeeping run on queues of their own, apart from what residents and contractors
wait for; every queue a task can go to has a consumer."""

import json
import re
from pathlib import Path

from django.conf import settings

from backend.config.celery import app as celery_app
from scripts.processes import table
from tests.support.worker import QUEUES

ROOT = Path(settings.BASE_DIR)


def _queue(task: str) -> str:
    return celery_app.amqp.router.route({}, task)["queue"].name


def test_photos_go_to_their_own_queue_and_everything_else_to_the_default_one():
    assert _queue("backend.reports.tasks.attachment_process_task") == "photos"
    assert _queue("backend.reports.tasks.outbox_drain") == "celery"
    assert _queue("backend.notifications.tasks.mail_send") == "celery"


def test_what_residents_and_contractors_wait_for_never_queues_behind_bookkeeping():
    for waited_for in (
        "backend.reports.tasks.outbox_drain",
        "backend.reports.tasks.outbox_sweep",
        "backend.notifications.tasks.mail_send",
        "backend.notifications.tasks.push_send",
        "backend.contractors.tasks.webhook_deliver",
        "backend.contractors.tasks.assignment_link_send_task",
    ):
        assert _queue(waited_for) == "celery", waited_for
    for bookkeeping in (
        "backend.reports.tasks.suggestions_record_task",
        "backend.classification.tasks.classifier_retrain_weekly",
        "backend.reports.tasks.outbox_prune_published",
    ):
        assert _queue(bookkeeping) == "bookkeeping", bookkeeping


def test_docker_compose_runs_the_default_queue_on_a_worker_of_its_own():
    compose = (ROOT / "docker-compose.yml").read_text()
    consumed = [set(q.split(",")) for q in re.findall(r"CELERY_QUEUES: ([\w,]+)", compose)]
    assert {"celery"} in consumed
    routed = {route["queue"] for route in settings.CELERY_TASK_ROUTES.values()}
    assert routed <= set().union(*consumed)


def test_every_queue_has_a_worker_in_make_run_in_docker_and_in_the_tests():
    routed = {"celery"} | {route["queue"] for route in settings.CELERY_TASK_ROUTES.values()}
    assert routed == {queue for process in table({}) for queue in process.queues()}
    entrypoint = (ROOT / "scripts" / "docker-entrypoint.sh").read_text()
    (default,) = re.findall(r'-Q "\$\{CELERY_QUEUES:-([\w,]+)\}"', entrypoint)
    assert routed == set(default.split(","))
    assert routed == set(QUEUES)


def test_within_the_default_queue_a_worker_takes_the_socket_drain_and_webhooks_before_mail(
    private_redis,
):
    # Kombu's Redis transport keeps a list per priority step and a worker pops them in order:
    # under a burst the default queue holds hundreds of mail batches, which the drain that
    # pushes to the residents' sockets and the deliveries to contractors must not wait behind.
    import redis

    from backend.common.dispatch import tasks_send
    from backend.contractors.tasks import webhook_deliver
    from backend.notifications.tasks import mail_send, push_send
    from backend.reports.tasks import outbox_drain, outbox_sweep

    assert tasks_send(mail_send, [([1],)], what="mails")
    assert tasks_send(outbox_sweep, [()], what="sweeps")
    assert tasks_send(webhook_deliver, [("00000000-0000-0000-0000-000000000000",)], what="hooks")
    assert tasks_send(push_send, [([1],)], what="pushes")
    assert tasks_send(outbox_drain, [()], what="outbox entries")

    client = redis.Redis.from_url(private_redis.url)
    sep = "\x06\x16"
    lists = {
        step: [
            json.loads(raw)["headers"]["task"].rsplit(".", 1)[1]
            for raw in client.lrange("celery" if step == 0 else f"celery{sep}{step}", 0, -1)
        ]
        for step in (0, 3, 6, 9)
    }
    assert lists[0] == ["outbox_drain"]
    assert sorted(lists[3]) == ["push_send", "webhook_deliver"]
    assert sorted(lists[6]) == ["mail_send", "outbox_sweep"]
    assert lists[9] == []
