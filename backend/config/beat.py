"""Beat without a single point of failure: any number of beat processes run, one leads.

Each beat process keeps its schedule (so each knows what falls due), but only the holder of a
lease in Redis sends the tasks. The leader renews the lease every third of its length; a
leader that dies (host gone, SIGKILL) stops renewing, the lease runs out and the next beat to
look takes over: within BEAT_LEADER_LEASE_SECONDS plus one look. A beat that cannot reach Redis
does not lead (it could not send tasks through the broker either): never two leaders.

A follower passes over what falls due, remembering it; on taking over it sends what came due
within the last two leases, which the old leader may have died before sending. Such a task
may so go twice, never not at all: every scheduled task here is safe to repeat (sweeps,
pruning, expiry, the weekly retraining).

    CELERY_BEAT_SCHEDULER = "backend.config.beat:LeaderScheduler"
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import time
import uuid
from typing import Any

import redis
from celery.beat import PersistentScheduler, ScheduleEntry
from django.conf import settings

logger = logging.getLogger(__name__)

# Extends the lease only while this holder has it (a lease that ran out may be another's now).
_RENEW = """
if redis.call('get', KEYS[1]) == ARGV[1] then
    return redis.call('pexpire', KEYS[1], ARGV[2])
end
return 0
"""
_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then
    return redis.call('del', KEYS[1])
end
return 0
"""


class LeaderLease:
    """A lease on one Redis key: held by one holder at a time, for ``seconds`` unless renewed."""

    def __init__(self, *, url: str, key: str, seconds: float, holder: str | None = None):
        self.client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self.key = key
        self.milliseconds = int(seconds * 1000)
        self.holder = holder or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"

    def hold(self) -> bool:
        """Take or keep the lease; whether this holder has it now."""
        try:
            if self.client.eval(_RENEW, 1, self.key, self.holder, self.milliseconds):
                return True
            return bool(self.client.set(self.key, self.holder, nx=True, px=self.milliseconds))
        except redis.RedisError as exc:
            logger.warning("beat: leader lease unreachable (%s): not leading", exc)
            return False

    def release(self) -> None:
        with contextlib.suppress(redis.RedisError):  # else it runs out by itself
            self.client.eval(_RELEASE, 1, self.key, self.holder)

    def holder_now(self) -> str | None:
        value = self.client.get(self.key)
        return value.decode() if isinstance(value, bytes) else value


class LeaderScheduler(PersistentScheduler):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        seconds = float(settings.BEAT_LEADER_LEASE_SECONDS)
        self.lease = LeaderLease(
            url=settings.BEAT_LEADER_REDIS_URL, key=settings.BEAT_LEADER_KEY, seconds=seconds
        )
        self.look_every = seconds / 3
        self.leading = False
        self.looked_at = 0.0
        # Entries passed over as a follower, with when: sent on taking over if recent.
        self.passed_over: dict[str, tuple[float, ScheduleEntry]] = {}
        super().__init__(*args, **kwargs)

    def _look(self) -> None:
        now = time.monotonic()
        if now - self.looked_at < self.look_every:
            return
        self.looked_at = now
        was = self.leading
        self.leading = self.lease.hold()
        if self.leading and not was:
            logger.info("beat: leading as %s", self.lease.holder)
            self._send_passed_over(now)
        elif was and not self.leading:
            logger.warning("beat: lost the lead (%s): following", self.lease.holder)

    def _send_passed_over(self, now: float) -> None:
        window = 6 * self.look_every  # two leases
        for when, entry in self.passed_over.values():
            if now - when <= window:
                logger.info("beat: sending %s, due while the lead changed hands", entry.name)
                super().apply_entry(entry, producer=self.producer)
        self.passed_over.clear()

    def tick(self, *args: Any, **kwargs: Any) -> float:
        self._look()
        wait = super().tick(*args, **kwargs)
        # Wake up in time to renew the lease (or to see that it is free).
        remaining = self.look_every - (time.monotonic() - self.looked_at)
        return max(0.05, min(wait, remaining))

    def apply_entry(self, entry: ScheduleEntry, producer: Any = None) -> None:
        if self.leading:
            super().apply_entry(entry, producer=producer)
        else:
            self.passed_over[entry.name] = (time.monotonic(), entry)

    def close(self) -> None:
        if self.leading:
            self.lease.release()  # a clean stop hands over at once
        super().close()
