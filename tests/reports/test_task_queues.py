"""Photo processing runs on a queue of its own; every queue a task can go to has a consumer."""

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


def test_every_queue_has_a_worker_in_make_run_in_docker_and_in_the_tests():
    routed = {"celery"} | {route["queue"] for route in settings.CELERY_TASK_ROUTES.values()}
    assert routed == {queue for process in table({}) for queue in process.queues()}
    entrypoint = (ROOT / "scripts" / "docker-entrypoint.sh").read_text()
    (default,) = re.findall(r'-Q "\$\{CELERY_QUEUES:-([\w,]+)\}"', entrypoint)
    assert routed == set(default.split(","))
    assert routed == set(QUEUES)
