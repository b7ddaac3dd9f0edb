"""Some of `make run`'s processes (scripts/processes.py) as one node of several: a host with its
own web and workers, its own media folders, sharing the database, Redis and the object store
with the others. For the tests and benches that run two nodes on this one machine
(tests/test_two_nodes.py, bench/two_nodes.py); unlike scripts/supervise.py nothing restarts a
process that dies here, since a node that dies is what they look at.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import threading
from collections.abc import Iterable, Mapping
from pathlib import Path

from scripts.processes import table

ROOT = Path(__file__).resolve().parents[1]


def free_port_in(ports: Iterable[int]) -> int:
    """The first port of ``ports`` free on the loopback (any free port if none is)."""
    for port in ports:
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Node:
    """Processes ``kinds`` of the table, each in a process group of its own, their output
    collected as "<node> <kind> | line"."""

    def __init__(self, name: str, kinds: Iterable[str], env: Mapping[str, str]):
        self.name = name
        self.env = dict(env)
        self.port = int(self.env.get("PORT", "8000"))
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.kinds = list(kinds)
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self.lines: list[str] = []
        self._lock = threading.Lock()

    def start(self) -> None:
        specs = {p.name: p for p in table(self.env)}
        for kind in self.kinds:
            spec = specs[kind]
            process = subprocess.Popen(  # noqa: S603 - the commands of scripts/processes.py
                list(spec.argv),
                cwd=ROOT,
                env={**self.env, **spec.env},
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                process_group=0,
            )
            self.processes[kind] = process
            threading.Thread(target=self._read, args=(kind, process), daemon=True).start()

    def _read(self, kind: str, process: subprocess.Popen[bytes]) -> None:
        assert process.stdout is not None
        for raw in iter(process.stdout.readline, b""):
            with self._lock:
                self.lines.append(f"{self.name} {kind} | {raw.decode(errors='replace').rstrip()}")

    def log(self, kind: str, text: str) -> list[str]:
        prefix = f"{self.name} {kind} | "
        with self._lock:
            return [line for line in self.lines if line.startswith(prefix) and text in line]

    def kill(self, kind: str) -> None:
        """SIGKILL to the process and all it started (the host losing it, not a clean stop)."""
        process = self.processes[kind]
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()

    def stop(self) -> None:
        for process in self.processes.values():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
        for kind, process in self.processes.items():
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill(kind)
        # Whatever a process group still holds (uvicorn's or Celery's children).
        for process in self.processes.values():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
