"""scripts/supervise.py in a process of its own, and `make run`'s stack under it (scripts/run.sh:
web, workers and beat) on the test database and a private Redis, for tests that kill parts of
it."""

import contextlib
import os
import re
import signal
import subprocess
import threading
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.db import connection

from tests.support.redis_server import free_port

ROOT = Path(settings.BASE_DIR)
_STARTED = re.compile(r"^supervise +\| (\w+) started \(pid (\d+)\)")
# Variables of the test process that must not reach the stack: it runs with the settings
# `make run` uses, not the test suite's.
_TEST_ONLY = ("DJANGO_SETTINGS_MODULE", "TEST_REDIS_URL", "DATABASE_TEST_NAME", "PYTEST_VERSION")


def database_url_of_this_test() -> str:
    """DATABASE_URL naming the database this test runs on (pytest-django's test database)."""
    db = connection.settings_dict
    auth = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        auth += ":" + quote(db["PASSWORD"], safe="")
    return f"postgis://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{quote(db['NAME'])}"


class Supervised:
    """A supervisor (scripts/supervise.py) in a process of its own, its output collected."""

    def __init__(self, argv: list[str], env: Mapping[str, str]):
        self.argv = argv
        self.env = dict(env)
        self.lines: list[str] = []
        self.pids: dict[str, int] = {}
        self._lock = threading.Lock()
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            self.argv,
            cwd=ROOT,
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            # Its own group, so no terminal signal meant for pytest reaches it.
            process_group=0,
        )
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process is not None and self.process.stdout is not None
        for raw in iter(self.process.stdout.readline, b""):
            line = raw.decode(errors="replace").rstrip("\n")
            with self._lock:
                self.lines.append(line)
                if match := _STARTED.match(line):
                    self.pids[match[1]] = int(match[2])

    def pid(self, name: str) -> int | None:
        """The pid of the latest start of process ``name``."""
        with self._lock:
            return self.pids.get(name)

    def log(self, pattern: str = "") -> list[str]:
        with self._lock:
            return [line for line in self.lines if re.search(pattern, line)]

    def tail(self, lines: int = 60) -> str:
        with self._lock:
            return "\n".join(self.lines[-lines:])

    def stop(self, signum: int = signal.SIGTERM) -> int | None:
        """Signal the supervisor (SIGTERM, or SIGINT as Ctrl-C would); its exit code, or None
        when it had to be killed."""
        if self.process is None:
            return None
        self.process.send_signal(signum)
        try:
            return self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            # Leave nothing running: the supervisor and every group it started.
            self.process.kill()
            self.process.wait()
            with self._lock:
                groups = set(self.pids.values())
            for pgid in groups:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(pgid, signal.SIGKILL)
            return None


class Stack(Supervised):
    """scripts/run.sh with ``env`` on top of this process's environment."""

    def __init__(self, env: Mapping[str, str]):
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        full = {k: v for k, v in os.environ.items() if k not in _TEST_ONLY}
        full.update(
            DJANGO_SETTINGS_MODULE="backend.config.settings",
            HOST="127.0.0.1",
            PORT=str(self.port),
            PUBLIC_BASE_URL=self.base_url,
        )
        full.update(env)
        super().__init__([str(ROOT / "scripts" / "run.sh")], full)
