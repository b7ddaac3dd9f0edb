"""scripts/supervise.py, the supervisor of `make run`, with small shell commands in place of
the real processes (tests/test_recovery.py runs it with the real ones)."""

import json
import os
import re
import signal
import sys
from collections.abc import Iterator

import pytest

from tests.support.stack import Supervised
from tests.support.waiting import eventually

_RUN = """
import json, os, sys
from scripts.processes import Process
from scripts.supervise import Supervisor
spec = json.loads(sys.argv[1])
processes = [Process(name, tuple(argv)) for name, argv in spec["processes"].items()]
sys.exit(Supervisor(processes, env=os.environ, out=sys.stdout.buffer, **spec["options"]).run())
"""


@pytest.fixture
def supervise() -> Iterator:
    started: list[Supervised] = []

    def start(processes: dict[str, str], **options: float) -> Supervised:
        spec = {"processes": {k: ["sh", "-c", v] for k, v in processes.items()}, "options": options}
        supervised = Supervised([sys.executable, "-c", _RUN, json.dumps(spec)], os.environ)
        supervised.start()
        started.append(supervised)
        return supervised

    yield start
    for supervised in started:
        if supervised.process is not None and supervised.process.poll() is None:
            supervised.stop()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _delays(supervised: Supervised, name: str) -> list[float]:
    return [
        float(m)
        for line in supervised.log(rf"\| {name} \(pid \d+\) ")
        for m in re.findall(r"restarting in ([\d.]+) s", line)
    ]


def test_a_process_that_exits_is_logged_and_restarted_with_doubling_backoff_the_others_untouched(
    supervise,
):
    supervised = supervise(
        {"flaky": "echo up; exit 3", "steady": "exec sleep 1000"},
        backoff_base=0.2,
        backoff_cap=0.8,
    )
    eventually(
        lambda: len(_delays(supervised, "flaky")) >= 5,
        timeout=30,
        message="flaky was not restarted five times",
    )
    assert _delays(supervised, "flaky")[:5] == [0.2, 0.4, 0.8, 0.8, 0.8]
    assert re.search(
        r"^supervise \| flaky \(pid \d+\) exited with code 3 after [\d.]+ s; restarting in 0.2 s$",
        supervised.log("flaky")[2],
    )
    # Its output, prefixed with its name, once per run.
    assert len(supervised.log(r"^flaky +\| up$")) >= 5
    assert len(supervised.log(r"steady started")) == 1
    assert _alive(supervised.pid("steady"))
    assert supervised.stop() == 0


def test_the_backoff_starts_over_once_a_process_stayed_up_long_enough(supervise):
    supervised = supervise(
        {"slow": "sleep 0.5; exit 1"}, backoff_base=0.2, backoff_cap=10, stable_after=0.3
    )
    eventually(
        lambda: len(_delays(supervised, "slow")) >= 3,
        timeout=30,
        message="slow was not restarted three times",
    )
    assert _delays(supervised, "slow")[:3] == [0.2, 0.2, 0.2]


def test_a_killed_process_is_restarted_only_after_what_it_left_behind_is_gone(supervise):
    # Like uvicorn's workers after their master died: a child holding on, deaf to SIGTERM.
    supervised = supervise(
        {"web": "(trap '' TERM; exec sleep 1000) & echo child $!; exec sleep 1000"},
        backoff_base=0.1,
        leftover_grace=0.5,
        stop_grace=0.5,
    )
    (line,) = eventually(
        lambda: supervised.log(r"^web +\| child \d+$"), timeout=30, message="no child"
    )
    child = int(line.rsplit(" ", 1)[1])
    first = supervised.pid("web")
    os.kill(first, signal.SIGKILL)
    eventually(lambda: supervised.pid("web") != first, timeout=30, message="web was not restarted")
    assert not _alive(child)  # killed, and reaped by the supervisor that adopted it
    lines = supervised.lines
    died = next(
        i for i, x in enumerate(lines) if re.search(r"web \(pid \d+\) was killed by SIGKILL", x)
    )
    cleared = next(i for i, x in enumerate(lines) if "killing what its last run left behind" in x)
    restarted = [i for i, x in enumerate(lines) if re.search(r"web started", x)][1]
    assert died < cleared < restarted


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_sigterm_or_ctrl_c_stops_every_process_and_what_they_started(supervise, signum):
    supervised = supervise(
        {
            "parent": "sleep 1000 & echo child $!; exec sleep 1000",
            "stubborn": "trap '' TERM INT; echo ready; while true; do sleep 0.1; done",
        },
        stop_grace=1,
    )
    (line,) = eventually(
        lambda: supervised.log(r"^parent +\| child \d+$"), timeout=30, message="no child"
    )
    eventually(lambda: supervised.log(r"^stubborn +\| ready"), timeout=30, message="not ready")
    pids = [int(line.rsplit(" ", 1)[1]), supervised.pid("parent"), supervised.pid("stubborn")]
    assert supervised.stop(signum) == 0
    assert [pid for pid in pids if _alive(pid)] == []
    assert supervised.log(r"did not stop in 1 s; killing")
    assert not supervised.log("restarting")


def test_a_command_that_cannot_start_is_tried_again(supervise):
    supervised = Supervised(
        [
            sys.executable,
            "-c",
            _RUN,
            json.dumps({"processes": {"missing": ["/nonexistent/bin"]}, "options": {}}),
        ],
        os.environ,
    )
    supervised.start()
    try:
        eventually(
            lambda: len(supervised.log(r"missing could not start")) >= 2,
            timeout=30,
            message="not tried again",
        )
        assert supervised.log(r"missing \(pid -\) exited with code 127 after [\d.]+ s; restarting")
    finally:
        supervised.stop()
