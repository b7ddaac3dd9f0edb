"""Photos and bookkeeping run on queues of their own, apart from what residents and contractors
wait for; every queue a task can go to has a consumer."""

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
