"""What `make run` runs, one entry per process; scripts/supervise.py keeps each one running.

Every value comes from the environment scripts/run.sh passes on, with the defaults the README
lists. Paths are relative to the repository root, where run.sh starts the supervisor.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field

CELERY = (".venv/bin/celery", "-A", "backend.config")


@dataclass(frozen=True)
class Process:
    name: str
    argv: tuple[str, ...]
    # Added to the supervisor's own environment for this process only.
    env: Mapping[str, str] = field(default_factory=dict)

    def queues(self) -> list[str]:
        """The Celery queues a worker consumes (none for any other process)."""
        if "-Q" not in self.argv[:-1]:
            return []
        return self.argv[self.argv.index("-Q") + 1].split(",")


def table(env: Mapping[str, str]) -> list[Process]:
    def setting(name: str, default: str) -> str:
        return env.get(name) or default

    # Celery closes a connection pool around every task: one persistent connection instead.
    no_pool = {"DATABASE_POOL": "false"}
    return [
        Process(
            "web",
            (
                *(".venv/bin/uvicorn", "backend.config.asgi:application"),
                *("--host", setting("HOST", "127.0.0.1"), "--port", setting("PORT", "8000")),
                *("--workers", setting("WEB_CONCURRENCY", "2")),
                *("--no-access-log", "--lifespan", "off"),
            ),
        ),
        # Not niced by default: this worker also pushes every status change to the residents,
        # and under load a niced worker let pushes wait seconds behind the web process
        # (bench/push.py: p95 0.5-1.3 s at nice 10 against 49 ms at 0). CELERY_NICE=10 favours
        # intake throughput.
        Process(
            "worker",
            (
                *("nice", "-n", setting("CELERY_NICE", "0"), *CELERY, "worker"),
                *("--loglevel", "INFO", "--hostname", "worker@%h"),
                *("-Q", "celery"),
                *("--concurrency", setting("CELERY_CONCURRENCY", "2")),
            ),
            env=no_pool,
        ),
        # Photos on a worker of their own at lower priority: during a burst of uploads intake
        # and the pushes keep the CPU and the photos catch up after (a photo costs tens of
        # milliseconds).
        Process(
            "photos",
            (
                *("nice", "-n", setting("PHOTO_NICE", "10"), *CELERY, "worker"),
                *("--loglevel", "INFO", "--hostname", "photos@%h"),
                *("-Q", "photos"),
                *("--concurrency", setting("PHOTO_CONCURRENCY", "1")),
            ),
            env=no_pool,
        ),
        # Bookkeeping nobody waits for (classifier suggestions, retraining, pruning) on its own
        # worker at lower priority: under a burst of intake the pushes, mails and webhooks never
        # queue behind it.
        Process(
            "bookkeeping",
            (
                *("nice", "-n", setting("BOOKKEEPING_NICE", "10"), *CELERY, "worker"),
                *("--loglevel", "INFO", "--hostname", "bookkeeping@%h"),
                *("-Q", "bookkeeping"),
                *("--concurrency", setting("BOOKKEEPING_CONCURRENCY", "1")),
            ),
            env=no_pool,
        ),
        # One per node is fine: they elect a leader that alone sends (backend/config/beat.py).
        Process(
            "beat",
            (
                *(*CELERY, "beat", "--loglevel", "INFO"),
                *("--schedule", setting("CELERY_BEAT_SCHEDULE_FILE", "var/celerybeat-schedule")),
            ),
        ),
    ]
