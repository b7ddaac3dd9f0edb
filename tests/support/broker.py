"""Point the Celery app at another broker for a while: a private Redis a test can stop."""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from backend.config.celery import app as celery_app
from tests.support.redis_server import RedisServer


@contextmanager
def broker_at(url: str) -> Iterator[None]:
    previous = celery_app.conf.broker_url
    celery_app.conf.broker_url = url
    celery_app._after_fork()  # drop pooled connections to the old broker
    try:
        yield
    finally:
        celery_app.conf.broker_url = previous
        celery_app._after_fork()


@contextmanager
def private_broker(workdir: Path) -> Iterator[RedisServer]:
    """A broker of our own (the channel layer stays where it is), stopped at the end."""
    server = RedisServer(workdir)
    server.start()
    try:
        with broker_at(server.url):
            yield server
    finally:
        if server.process:
            server.stop()


def queued(server: RedisServer, queue: str = "celery") -> int:
    """How many tasks wait on a queue of the private broker, at every priority (kombu's Redis
    transport keeps a list per step; the queue's own name is the most urgent)."""
    import redis

    client = redis.Redis.from_url(server.url)
    keys = [queue, *(f"{queue}\x06\x16{step}" for step in (3, 6, 9))]
    return sum(int(client.llen(key)) for key in keys)
