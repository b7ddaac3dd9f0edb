"""Side effects sent as Celery tasks after commit, made durable by a row that stays due.

Every task sent this way stands for a row the sender committed first (an outbox entry, a
delivery, a webhook message, a photo, a link mail) that records whether the work is still to
do. Sending the task is only the fast path: when the broker is unreachable the row simply
stays due, and a beat sweep (`sweep_due`) queues it again later. Failed attempts wait
according to one policy (`backoff`), each user with its own settings.
"""

import logging
import uuid
from collections.abc import Iterable, Sequence
from datetime import timedelta
from typing import Any

from celery import Task
from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet

logger = logging.getLogger(__name__)

TaskId = int | str | uuid.UUID

# Past this many doublings every cap in use was reached long before; stopping there keeps a
# large attempt count from overflowing a float.
_MAX_DOUBLINGS = 64


def backoff(attempts: int, *, base_seconds: float, cap_seconds: float) -> timedelta:
    """How long to wait after the ``attempts``-th failed attempt (1-based): the base, then
    twice as long after each further failure, never longer than the cap."""
    if attempts < 1:
        raise ValueError(f"attempts counts failures from 1, got {attempts}")
    doublings = min(attempts - 1, _MAX_DOUBLINGS)
    return timedelta(seconds=min(base_seconds * 2.0**doublings, cap_seconds))


def broker_unavailable(*, what: str, waiting: int) -> None:
    """The one warning for work that could not be queued and waits for its sweep."""
    logger.warning("broker unavailable; %d %s wait for the sweep", waiting, what)


def tasks_send(
    task: Task,
    arguments: Sequence[tuple[Any, ...]],
    *,
    what: str,
    countdown: float | None = None,
    waiting: int | None = None,
) -> bool:
    """Queue one task per argument tuple, now; False when the broker is unreachable.

    An unreachable broker is not an error: the rows stay due for the sweep. Sending stops at
    the first failure, since each further try would wait for the same timeout (and the
    caller, often a request, with it). ``waiting`` is what the warning counts, when the tasks
    are not one per row.
    """
    priority = settings.TASK_PRIORITIES.get(task.name)
    urgency = {} if priority is None else {"priority": priority}
    for sent, args in enumerate(arguments):
        try:
            # No retry loop: whoever committed must not wait for a broker that is away.
            task.apply_async(args, countdown=countdown, retry=False, **urgency)
        except Exception:  # redis and kombu raise several unrelated types for "unreachable"
            broker_unavailable(
                what=what, waiting=waiting if waiting is not None else len(arguments) - sent
            )
            return False
    return True


def _wire(task_id: TaskId) -> int | str:
    # Task arguments travel as JSON; the tasks take a UUID as its text.
    return str(task_id) if isinstance(task_id, uuid.UUID) else task_id


def dispatch(
    task: Task, ids: Iterable[TaskId], *, what: str, countdown: float | None = None
) -> bool:
    """Queue ``task(id)`` for each id now (outside a transaction, e.g. in a task or a sweep)."""
    return tasks_send(task, [(_wire(i),) for i in ids], what=what, countdown=countdown)


def dispatch_on_commit(
    task: Task, ids: Iterable[TaskId], *, what: str, countdown: float | None = None
) -> None:
    """Queue ``task(id)`` for each id once the current transaction has committed.

    Nothing is queued for a change that rolls back, and no task can run before the rows it
    reads are visible.
    """
    pending = list(ids)
    if pending:
        transaction.on_commit(lambda: dispatch(task, pending, what=what, countdown=countdown))


def _batches(ids: Iterable[TaskId], size: int) -> list[tuple[list[int | str]]]:
    wired = [_wire(i) for i in ids]
    return [(wired[start : start + size],) for start in range(0, len(wired), size)]


def dispatch_batches_on_commit(
    task: Task,
    ids: Iterable[TaskId],
    *,
    size: int,
    what: str,
    countdown: float | None = None,
) -> None:
    """Queue ``task([id, ...])`` for each ``size`` ids once the current transaction has
    committed: under load one task (and one broker message, one locking read) serves many
    rows, where a task per row would cost more than the work itself."""
    batches = _batches(ids, size)
    if batches:
        waiting = sum(len(batch) for (batch,) in batches)
        transaction.on_commit(
            lambda: tasks_send(task, batches, what=what, countdown=countdown, waiting=waiting)
        )


def sweep_due(
    due: QuerySet[Any, Any],
    task: Task,
    *,
    what: str,
    limit: int,
    in_process: bool = False,
    batch: int | None = None,
) -> int:
    """Beat's safety net: hand the ids of due rows (``due``, a flat ``values_list`` in the
    order they should go) to their task, at most ``limit`` per run. Returns how many.

    ``in_process``: the task takes the whole list and runs right here, in the sweep's own
    worker, instead of one queued task per row. ``batch``: the task takes a list of ids, and
    gets them queued ``batch`` at a time.
    """
    ids = list(due[:limit])
    if not ids:
        return 0
    logger.info("%d %s due: sweeping", len(ids), what)
    if in_process:
        task([_wire(i) for i in ids])
    elif batch:
        tasks_send(task, _batches(ids, batch), what=what, waiting=len(ids))
    else:
        dispatch(task, ids, what=what)
    return len(ids)
