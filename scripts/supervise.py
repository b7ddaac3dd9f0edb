"""Keep the processes of `make run` running (the table is scripts/processes.py).

A process that dies is logged with its exit code or signal and started again after a backoff
that doubles with each death (capped), and starts over once it has stayed up a while; the
others go on serving meanwhile. A Redis outage under load could end the Celery worker for good
(kombu's "Unrecoverable error: AttributeError 'NoneType' object has no attribute 'hostname'"),
and the shell script before this stopped the whole stack when any one process ended.

Each process runs in a process group of its own, so whatever it leaves behind when it dies
(uvicorn's workers still holding the port, Celery's pool children) is stopped before it starts
again; this supervisor adopts such orphans (a Linux child subreaper) so that it can reap them.
The group of its own also keeps a terminal's Ctrl-C from reaching the processes directly: on
SIGINT or SIGTERM the supervisor sends each process it started SIGTERM, waits up to STOP_GRACE
seconds for their groups to finish, then kills what is left. A second Ctrl-C kills at once.

Every output line is prefixed with its process's name; the supervisor's own say "supervise".

    python -m scripts.supervise          (from the repository root; scripts/run.sh does this)
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import BinaryIO

from scripts.processes import Process, table

BACKOFF_BASE = 1.0
BACKOFF_CAP = 30.0
# A process that ran this long before it died is restarted after BACKOFF_BASE again.
STABLE_AFTER = 60.0
STOP_GRACE = 10.0
# What a process leaves behind when it dies gets this long after SIGTERM before SIGKILL.
LEFTOVER_GRACE = 5.0
TICK = 0.1

_PR_SET_CHILD_SUBREAPER = 36


@dataclass
class _Child:
    spec: Process
    proc: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0
    deaths: int = 0
    # After a death: the group whose leftovers must be gone first, and until when they get.
    leftovers: int | None = None
    leftovers_until: float = 0.0
    restart_at: float | None = None


def backoff(deaths: int, *, base: float, cap: float) -> float:
    """Seconds to wait before the restart that follows the ``deaths``-th death in a row."""
    return min(cap, base * 2 ** max(0, deaths - 1))


def _become_subreaper() -> None:
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    except (OSError, AttributeError):  # not Linux: orphans go to init, which reaps them
        pass


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, though its pid was reused by someone else's process
        pass
    return True


def _signal_group(pgid: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signum)


def describe_exit(code: int) -> str:
    if code < 0:
        try:
            return f"was killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"was killed by signal {-code}"
    return f"exited with code {code}"


class Supervisor:
    def __init__(
        self,
        processes: Sequence[Process],
        *,
        env: Mapping[str, str],
        out: BinaryIO,
        backoff_base: float = BACKOFF_BASE,
        backoff_cap: float = BACKOFF_CAP,
        stable_after: float = STABLE_AFTER,
        stop_grace: float = STOP_GRACE,
        leftover_grace: float = LEFTOVER_GRACE,
    ):
        self.children = [_Child(spec) for spec in processes]
        self.env = dict(env)
        self.out = out
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.stable_after = stable_after
        self.stop_grace = stop_grace
        self.leftover_grace = leftover_grace
        self.width = max(len("supervise"), *(len(p.name) for p in processes))
        self._write_lock = threading.Lock()
        self._by_pid: dict[int, _Child] = {}
        self._stop_requests = 0

    # --- output ---------------------------------------------------------------------------

    def _write(self, name: str, line: bytes) -> None:
        prefix = f"{name:<{self.width}} | ".encode()
        with self._write_lock:
            try:
                self.out.write(prefix + line.rstrip(b"\r\n") + b"\n")
                self.out.flush()
            except (BrokenPipeError, ValueError):  # nobody reads our output any more
                pass

    def log(self, message: str) -> None:
        self._write("supervise", message.encode())

    def _pump(self, name: str, stream: BinaryIO) -> None:
        with stream:
            for line in iter(stream.readline, b""):
                self._write(name, line)

    # --- processes ------------------------------------------------------------------------

    def _start(self, child: _Child) -> None:
        child.restart_at = None
        child.started_at = time.monotonic()
        env = {**self.env, **child.spec.env, "PYTHONUNBUFFERED": "1"}
        try:
            proc = subprocess.Popen(  # noqa: S603 - the commands of scripts/processes.py
                child.spec.argv,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                process_group=0,
            )
        except OSError as exc:
            self.log(f"{child.spec.name} could not start: {exc}")
            self._died(child, 127, pgid=None)
            return
        child.proc = proc
        self._by_pid[proc.pid] = child
        # Logged before its output is read, so "started" comes before the process's first line.
        self.log(f"{child.spec.name} started (pid {proc.pid})")
        assert proc.stdout is not None
        threading.Thread(
            target=self._pump, args=(child.spec.name, proc.stdout), daemon=True
        ).start()

    def _died(self, child: _Child, code: int, *, pgid: int | None) -> None:
        now = time.monotonic()
        uptime = now - child.started_at
        if uptime >= self.stable_after:
            child.deaths = 0
        child.deaths += 1
        delay = backoff(child.deaths, base=self.backoff_base, cap=self.backoff_cap)
        child.restart_at = now + delay
        pid = child.proc.pid if child.proc else "-"
        child.proc = None
        if self._stop_requests:
            self.log(f"{child.spec.name} (pid {pid}) {describe_exit(code)}")
            return
        self.log(
            f"{child.spec.name} (pid {pid}) {describe_exit(code)} after {uptime:.1f} s; "
            f"restarting in {delay:g} s"
        )
        if pgid is not None and _group_alive(pgid):
            _signal_group(pgid, signal.SIGTERM)
            child.leftovers = pgid
            child.leftovers_until = now + self.leftover_grace

    def _reap(self) -> None:
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            child = self._by_pid.pop(pid, None)
            if child is None or child.proc is None:
                continue  # an orphan we adopted, or a process no longer ours
            code = os.waitstatus_to_exitcode(status)
            # Popen must not wait for a process we reaped ourselves.
            child.proc.returncode = code
            self._died(child, code, pgid=pid)

    def _restart_due(self) -> None:
        now = time.monotonic()
        for child in self.children:
            if child.leftovers is not None:
                if not _group_alive(child.leftovers):
                    child.leftovers = None
                elif now >= child.leftovers_until:
                    self.log(f"{child.spec.name}: killing what its last run left behind")
                    _signal_group(child.leftovers, signal.SIGKILL)
                    child.leftovers_until = now + self.leftover_grace
                continue
            if child.proc is None and child.restart_at is not None and now >= child.restart_at:
                self._start(child)

    # --- the loop -------------------------------------------------------------------------

    def _on_signal(self, signum: int, _frame: object) -> None:
        self._stop_requests += 1
        if self._stop_requests > 1:
            for pgid in self._groups():
                _signal_group(pgid, signal.SIGKILL)

    def _groups(self) -> list[int]:
        groups = [c.proc.pid for c in self.children if c.proc is not None]
        return groups + [c.leftovers for c in self.children if c.leftovers is not None]

    def run(self) -> int:
        """Start every process and keep them running until SIGINT, SIGTERM or SIGHUP."""
        _become_subreaper()
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, self._on_signal)
        for child in self.children:
            self._start(child)
        while not self._stop_requests:
            self._reap()
            self._restart_due()
            time.sleep(TICK)
        self.stop()
        return 0

    def stop(self) -> None:
        self.log("stopping every process")
        groups = self._groups()
        # The process we started, not its group: Celery's warm shutdown lets the pool children
        # finish their tasks, where a SIGTERM of their own made them abandon them; uvicorn's
        # master stops its workers. What a dead process left behind gets it directly.
        for child in self.children:
            if child.proc is not None:
                # Not Popen.send_signal: its poll() would reap the process behind _reap's back.
                os.kill(child.proc.pid, signal.SIGTERM)
            if child.leftovers is not None:
                _signal_group(child.leftovers, signal.SIGTERM)
        deadline = time.monotonic() + self.stop_grace
        while any(_group_alive(g) for g in groups) and time.monotonic() < deadline:
            self._reap()
            time.sleep(TICK)
        for pgid in groups:
            if _group_alive(pgid):
                self.log(f"process group {pgid} did not stop in {self.stop_grace:.0f} s; killing")
                _signal_group(pgid, signal.SIGKILL)
        # Bounded: without the subreaper an orphan's zombie waits for init, not for us.
        deadline = time.monotonic() + self.stop_grace
        while any(_group_alive(g) for g in groups) and time.monotonic() < deadline:
            self._reap()
            time.sleep(TICK)
        self._reap()
        self.log("stopped")


def main() -> int:
    return Supervisor(table(os.environ), env=os.environ, out=sys.stdout.buffer).run()


if __name__ == "__main__":
    sys.exit(main())
