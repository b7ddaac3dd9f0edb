"""A real Celery worker in the test process, on the real broker, consuming every queue."""

from contextlib import AbstractContextManager
from typing import Any

from celery.contrib.testing.worker import start_worker

# The queues make run's workers (scripts/processes.py) consume between them (settings:
# CELERY_TASK_ROUTES).
QUEUES = ("celery", "photos", "bookkeeping")


def running_worker(app: Any) -> AbstractContextManager[Any]:
    return start_worker(
        app, pool="solo", perform_ping_check=False, shutdown_timeout=10, queues=list(QUEUES)
    )
