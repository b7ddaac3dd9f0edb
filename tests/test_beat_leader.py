"""Any number of beat processes, exactly one sending: real `celery beat` processes on a
private Redis, the leader killed with SIGKILL, another takes over within a bound."""

import os
import re
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings

from backend.config.beat import LeaderLease
from tests.support.waiting import eventually

ROOT = Path(settings.BASE_DIR)
LEASE = 3.0
_SENT = re.compile(r"Sending due task outbox-sweep")
_TEST_ONLY = ("DJANGO_SETTINGS_MODULE", "TEST_REDIS_URL", "DATABASE_TEST_NAME", "PYTEST_VERSION")


def test_a_lease_has_one_holder_until_released_or_run_out(private_redis):
    first = LeaderLease(url=private_redis.url, key="t:lead", seconds=1.0, holder="a")
    second = LeaderLease(url=private_redis.url, key="t:lead", seconds=1.0, holder="b")
    assert first.hold() and not second.hold()
    assert first.hold(), "the holder renews its own lease"
    first.release()
    assert second.hold() and not first.hold()
    # The holder stops renewing (it died): the lease runs out and the other may take it.
    eventually(first.hold, timeout=3, interval=0.1, message="the lease never ran out")
    assert first.holder_now() == "a"


def test_an_unreachable_redis_means_not_leading():
    lease = LeaderLease(url="redis://127.0.0.1:9/0", key="t:lead", seconds=1.0)
    assert lease.hold() is False


class Beat:
    def __init__(self, name: str, env: dict[str, str], workdir: Path):
        self.name = name
        self.lines: list[str] = []
        self.sent_at: list[float] = []
        self.process = subprocess.Popen(
            [
                *(str(ROOT / ".venv/bin/celery"), "-A", "backend.config", "beat"),
                *("--loglevel", "INFO", "--schedule", str(workdir / f"schedule-{name}")),
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for raw in iter(self.process.stdout.readline, b""):
            line = raw.decode(errors="replace").rstrip()
            self.lines.append(line)
            if _SENT.search(line):
                self.sent_at.append(time.monotonic())

    def sent_between(self, start: float, end: float) -> int:
        return sum(1 for t in self.sent_at if start <= t < end)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@pytest.fixture
def beats(private_redis, tmp_path) -> Iterator[list[Beat]]:
    env = {k: v for k, v in os.environ.items() if k not in _TEST_ONLY}
    env.update(
        DJANGO_SETTINGS_MODULE="backend.config.settings",
        REDIS_URL=private_redis.url,
        BEAT_LEADER_LEASE_SECONDS=str(LEASE),
        OUTBOX_SWEEP_SECONDS="0.5",
    )
    started = [Beat(name, env, tmp_path) for name in ("a", "b", "c")]
    yield started
    for beat in started:
        beat.stop()
    print("\n".join(f"{b.name}: {line}" for b in started for line in b.lines[-30:]))


@pytest.mark.timeout(240)
def test_three_beats_one_sends_and_another_takes_over_when_it_is_killed(beats, private_redis):
    def leader() -> Beat | None:
        # The one that sent the sweep in the last second.
        now = time.monotonic()
        sending = [b for b in beats if b.process.poll() is None and b.sent_between(now - 1, now)]
        return sending[0] if len(sending) == 1 else None

    # Generous: each process imports Django first, slowly on a busy machine.
    first = eventually(leader, timeout=120, interval=0.2, message="no beat started sending")
    watch_from = time.monotonic()
    time.sleep(4)
    watch_to = time.monotonic()
    sends = {b.name: b.sent_between(watch_from, watch_to) for b in beats}
    assert sends[first.name] >= 4, sends  # every 0.5 s
    assert [n for n, count in sends.items() if count] == [first.name], sends
    lease = LeaderLease(url=private_redis.url, key="meldpunt:beat:leader", seconds=LEASE)
    assert f":{first.process.pid}:" in (lease.holder_now() or "")

    first.process.send_signal(signal.SIGKILL)
    first.process.wait()
    killed_at = time.monotonic()
    others = [b for b in beats if b is not first]
    eventually(
        lambda: any(b.sent_between(killed_at, time.monotonic()) for b in others),
        timeout=LEASE + 10,
        interval=0.1,
        message="no other beat took over",
    )
    took_over = min(t for b in others for t in b.sent_at if t >= killed_at) - killed_at
    # The bound is the eventually above (the lease's run-out, a look, and slack for a busy
    # machine); the figure is for the reader.
    print(f"takeover after {took_over:.1f} s (lease {LEASE} s)")

    second = eventually(leader, timeout=10, interval=0.2, message="no single leader after")
    watch_from = time.monotonic()
    time.sleep(4)
    watch_to = time.monotonic()
    sends = {b.name: b.sent_between(watch_from, watch_to) for b in others}
    assert [n for n, count in sends.items() if count] == [second.name], sends
