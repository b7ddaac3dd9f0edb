"""Report intake throughput and latency against a running server, next to a bare DRF create.

Drives the server with concurrent clients (a minimal asyncio HTTP client) and prints reports/s and
p50/p95/p99 latency for

  full-json    POST /api/v1/public/reports/ (JSON body, category given)
  full-photo   the same, multipart with one 3 MP JPEG (EXIF GPS included)
  bare-json    POST /bench/bare-reports/: a plain ModelSerializer + CreateAPIView of the same
               model, served by the same server process (bench.settings only)
  bare-photo   POST /bench/bare-photo-reports/: the same with the photo written to disk as it
               came, with its Attachment row

and the ratios full / bare, each pair in alternating rounds, against the targets (full JSON
intake >= 0.5 of the bare create's throughput, >= 150 JSON reports/s; the photo pair's ratio
is reported without a verdict, see summarise()).

    .venv/bin/python bench/intake.py --start-server --url http://127.0.0.1:8010
    .venv/bin/python bench/intake.py --url http://127.0.0.1:8000   # server already running
                                                                    # with bench.settings

Only loopback URLs are accepted. Every loop is bounded by a duration and a request count.
Each created report stays in the database (as does every bare one).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import json
import os
import random
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx

if TYPE_CHECKING:
    import psycopg
    import redis

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench import procstat  # noqa: E402

VENV_BIN = REPO / ".venv" / "bin"
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})

FULL_PATH = "/api/v1/public/reports/"
BARE_PATH = "/bench/bare-reports/"
BARE_PHOTO_PATH = "/bench/bare-photo-reports/"
HEALTH_PATH = "/health/"
CATEGORY = "afval/container-is-vol"
# A small box inside the demo municipality (fixtures/areas/municipality.geojson).
LAT_RANGE = (52.36, 52.38)
LON_RANGE = (4.88, 4.91)
PHOTO_SIZE = (2048, 1536)  # 3.1 MP
REQUEST_TIMEOUT = 60.0
TARGET_RATIO = 0.5
TARGET_JSON_RPS = 150.0
DRAIN_POLL_S = 0.05
# The Celery queues the server's workers consume (scripts/run.sh).
QUEUES = ("celery", "photos", "bookkeeping")
# Kombu's Redis transport keeps one list per priority step; a queue's name alone is step 0.
QUEUE_KEYS = tuple(
    queue if step == 0 else f"{queue}\x06\x16{step}" for queue in QUEUES for step in (0, 3, 6, 9)
)

TEXTS = (
    "De container bij de ingang zit helemaal vol, er staan zakken naast.",
    "Container vol, afval ligt op straat.",
    "Glasbak en papiercontainer zijn beide vol sinds het weekend.",
    "Ondergrondse container is vol en de klep gaat niet meer open.",
)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def loopback_only(url: str) -> str:
    """The base URL, refused unless it points at this machine."""
    parsed = urllib.parse.urlsplit(url)
    if parsed.scheme not in ("http", "https") or parsed.hostname not in LOOPBACK_HOSTS:
        raise SystemExit(f"refusing {url!r}: this benchmark only targets 127.0.0.1/localhost")
    return f"{parsed.scheme}://{parsed.netloc}"


# --- request bodies ---------------------------------------------------------------------------


def random_point(rng: random.Random) -> tuple[float, float]:
    return round(rng.uniform(*LAT_RANGE), 6), round(rng.uniform(*LON_RANGE), 6)


def json_body(rng: random.Random, *, category: bool) -> dict[str, Any]:
    lat, lon = random_point(rng)
    body: dict[str, Any] = {"text": rng.choice(TEXTS), "lat": lat, "lon": lon}
    if category:
        body["category"] = CATEGORY
    return body


def _dms(value: float) -> tuple[float, float, float]:
    degrees = int(value)
    minutes_full = (value - degrees) * 60
    minutes = int(minutes_full)
    return float(degrees), float(minutes), round((minutes_full - minutes) * 60, 2)


def make_photo() -> bytes:
    """A 2048x1536 JPEG like a phone's: smooth gradients, mild sensor noise, EXIF GPS."""
    from PIL import Image

    gradient = Image.linear_gradient("L")
    channels = [
        gradient.resize(PHOTO_SIZE),
        gradient.rotate(90).resize(PHOTO_SIZE),
        gradient.rotate(45).resize(PHOTO_SIZE),
    ]
    noise = Image.effect_noise(PHOTO_SIZE, 24)
    image = Image.merge("RGB", [Image.blend(channel, noise, 0.3) for channel in channels])
    exif = Image.Exif()
    gps = exif.get_ifd(0x8825)
    lat = (LAT_RANGE[0] + LAT_RANGE[1]) / 2
    lon = (LON_RANGE[0] + LON_RANGE[1]) / 2
    gps.update({1: "N", 2: _dms(lat), 3: "E", 4: _dms(lon)})
    exif[0x0110] = "Bench Phone"  # Model
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=88, exif=exif.tobytes())
    return buffer.getvalue()


# --- load generation --------------------------------------------------------------------------


class RawResponse:
    def __init__(self, status_code: int, body: bytes) -> None:
        self.status_code = status_code
        self.body = body

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


class RawClient:
    """A minimal HTTP/1.1 client on asyncio streams: one new connection per request.

    httpx costs ~2.5 ms of CPU per request, on the same two cores as the server under test;
    this costs a tenth of that, so the figures measure the server, not the load generator.
    It handles exactly what the server sends here: a status line, headers and a
    Content-Length body.
    """

    def __init__(self, base_url: str, timeout: float) -> None:
        parsed = urllib.parse.urlsplit(base_url)
        self.host = parsed.hostname or "127.0.0.1"
        self.port = parsed.port or 80
        self.timeout = timeout

    async def post(self, path: str, body: bytes, content_type: str) -> RawResponse:
        return await asyncio.wait_for(self._post(path, body, content_type), self.timeout)

    async def _post(self, path: str, body: bytes, content_type: str) -> RawResponse:
        reader, writer = await asyncio.open_connection(self.host, self.port)
        try:
            head = (
                f"POST {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
                f"Content-Type: {content_type}\r\nContent-Length: {len(body)}\r\n"
                "Connection: close\r\n\r\n"
            ).encode()
            writer.write(head + body)
            status_line = await reader.readline()
            parts = status_line.split(b" ", 2)
            if len(parts) < 2 or not parts[0].startswith(b"HTTP/1."):
                raise ConnectionError(f"not an HTTP response: {status_line[:80]!r}")
            length: int | None = None
            while (line := await reader.readline()) not in (b"\r\n", b""):
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value.strip())
            content = await (reader.readexactly(length) if length is not None else reader.read())
            return RawResponse(int(parts[1]), content)
        finally:
            writer.close()


RAW_ERRORS = (OSError, asyncio.TimeoutError, asyncio.IncompleteReadError, ValueError)

# Sends one request of a scenario: (client, random source, path) -> response.
Sender = Callable[[RawClient, random.Random, str], Awaitable[RawResponse]]


def multipart(fields: dict[str, str], photo: bytes, field: str = "photos") -> tuple[bytes, str]:
    boundary = f"bench{random.getrandbits(64):016x}"
    chunks = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ]
    chunks.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; filename="photo.jpg"'
        "\r\nContent-Type: image/jpeg\r\n\r\n".encode()
    )
    chunks += [photo, f"\r\n--{boundary}--\r\n".encode()]
    return b"".join(chunks), f"multipart/form-data; boundary={boundary}"


@dataclass
class Scenario:
    name: str
    description: str
    path: str
    duration: float
    make_request: Sender


@dataclass
class Result:
    scenario: str
    description: str
    duration_s: float = 0.0
    requests: int = 0
    successes: int = 0
    errors: int = 0
    error_kinds: Counter[str] = field(default_factory=Counter)
    first_error: str | None = None
    latencies_ms: list[float] = field(default_factory=list)
    queue_after: int | None = None
    # When the last response of the measured phase came (time.time()): the drain counts from it.
    finished_at: float = 0.0
    warmup_successes: int = 0
    # CPU seconds by role (bench/procstat.py): "measured" from the end of the warm-up, "whole"
    # from before it; both until the fan-out has drained. None: the server was not started here.
    cpu_measured: dict[str, float] | None = None
    cpu_whole: dict[str, float] | None = None
    postgres_seen: bool = False
    processes_vanished: int = 0
    # Per round: seconds from the last response to drained, or None when it did not drain.
    drains_s: list[float | None] = field(default_factory=list)
    not_drained: list[str] = field(default_factory=list)

    @property
    def rps(self) -> float:
        return self.successes / self.duration_s if self.duration_s else 0.0

    def percentile(self, p: float) -> float | None:
        """Nearest-rank percentile of the successful requests' latencies."""
        if not self.latencies_ms:
            return None
        ordered = sorted(self.latencies_ms)
        rank = max(1, min(len(ordered), int(-(-p * len(ordered) // 100))))
        return ordered[rank - 1]

    def record_cpu(self, measured: procstat.CpuDelta, whole: procstat.CpuDelta) -> None:
        self.cpu_measured, self.cpu_whole = measured.seconds, whole.seconds
        self.postgres_seen = measured.postgres_seen
        self.processes_vanished = whole.vanished

    def cpu_ms_per_report(self, role: str) -> float | None:
        """CPU milliseconds per successful report of one role (bench/procstat.py).

        The web's (and its pool's PostgreSQL backends') is counted from the end of the
        warm-up, over the measured reports, as the throughput is. The workers' is counted from
        before the warm-up, over the warm-up's reports as well: the warm-up leaves a backlog
        that the workers process during the measured phase, and the drain finishes it, so only
        that window holds exactly the fan-out of the reports it is divided by. (Each scenario
        starts drained.)
        """
        if self.cpu_measured is None or self.cpu_whole is None or not self.successes:
            return None
        if role == procstat.PG_WEB and not self.postgres_seen:
            return None
        if role in (procstat.WEB, procstat.PG_WEB):
            return self.cpu_measured.get(role, 0.0) * 1000 / self.successes
        return self.cpu_whole.get(role, 0.0) * 1000 / (self.successes + self.warmup_successes)

    @property
    def drain_s(self) -> float | None:
        """The slowest round's drain; None when a round did not drain (or none was timed)."""
        if not self.drains_s or any(d is None for d in self.drains_s):
            return None
        return max(d for d in self.drains_s if d is not None)

    def absorb(self, other: Result) -> None:
        """Add another round of the same scenario to this one."""
        self.duration_s += other.duration_s
        self.requests += other.requests
        self.successes += other.successes
        self.errors += other.errors
        self.error_kinds.update(other.error_kinds)
        self.first_error = self.first_error or other.first_error
        self.latencies_ms += other.latencies_ms
        self.queue_after = other.queue_after
        self.finished_at = other.finished_at
        self.warmup_successes += other.warmup_successes
        self.cpu_measured = _add(self.cpu_measured, other.cpu_measured)
        self.cpu_whole = _add(self.cpu_whole, other.cpu_whole)
        self.postgres_seen = self.postgres_seen and other.postgres_seen
        self.processes_vanished += other.processes_vanished
        self.drains_s += other.drains_s
        self.not_drained += other.not_drained

    def as_dict(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario,
            "description": self.description,
            "duration_s": round(self.duration_s, 3),
            "requests": self.requests,
            "successes": self.successes,
            "errors": self.errors,
            "error_kinds": dict(self.error_kinds),
            "first_error": self.first_error,
            "reports_per_s": round(self.rps, 2),
            "p50_ms": _round(self.percentile(50)),
            "p95_ms": _round(self.percentile(95)),
            "p99_ms": _round(self.percentile(99)),
            "celery_queue_after": self.queue_after,
            "warmup_successes": self.warmup_successes,
            "web_cpu_ms_per_report": _round(self.cpu_ms_per_report("web"), 2),
            "worker_cpu_ms_per_report": _round(self.cpu_ms_per_report("worker"), 2),
            "photo_cpu_ms_per_report": _round(self.cpu_ms_per_report("photo"), 2),
            "postgres_web_cpu_ms_per_report": _round(self.cpu_ms_per_report("pg:web"), 2),
            "cpu_processes_vanished": self.processes_vanished,
            "drain_s": _round(self.drain_s, 2),
            "drain_s_by_round": [_round(d, 2) for d in self.drains_s],
            "not_drained": self.not_drained,
        }


def _add(a: dict[str, float] | None, b: dict[str, float] | None) -> dict[str, float] | None:
    """Sum by key; unknown (None) when either side is."""
    if a is None or b is None:
        return None
    return {key: a.get(key, 0.0) + b.get(key, 0.0) for key in a.keys() | b.keys()}


def _round(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(value, digits)


def post_json(*, category: bool) -> Sender:
    def send(client: RawClient, rng: random.Random, path: str) -> Awaitable[RawResponse]:
        body = json.dumps(json_body(rng, category=category)).encode()
        return client.post(path, body, "application/json")

    return send


def post_photo(photo: bytes, *, bare: bool = False) -> Sender:
    def send(client: RawClient, rng: random.Random, path: str) -> Awaitable[RawResponse]:
        fields = {k: str(v) for k, v in json_body(rng, category=not bare).items()}
        return client.post(path, *multipart(fields, photo, "photo" if bare else "photos"))

    return send


async def _worker(
    client: RawClient,
    scenario: Scenario,
    deadline: float,
    budget: Iterator[int],
    result: Result | None,
    seed: int,
) -> None:
    rng = random.Random(seed)
    while time.perf_counter() < deadline and next(budget, None) is not None:
        started = time.perf_counter()
        try:
            response = await scenario.make_request(client, rng, scenario.path)
        except RAW_ERRORS as exc:
            if result is not None:
                result.requests += 1
                result.errors += 1
                result.error_kinds[type(exc).__name__] += 1
                result.first_error = result.first_error or f"{type(exc).__name__}: {exc}"
            continue
        elapsed_ms = (time.perf_counter() - started) * 1000
        if result is None:
            continue
        result.requests += 1
        if response.status_code == 201:
            result.successes += 1
            result.latencies_ms.append(elapsed_ms)
        else:
            result.errors += 1
            result.error_kinds[f"HTTP {response.status_code}"] += 1
            if result.first_error is None:
                result.first_error = f"HTTP {response.status_code}: {response.text[:500]}"


async def run_scenario(
    base_url: str,
    scenario: Scenario,
    *,
    concurrency: int,
    warmup: float,
    max_requests: int,
    on_measure: Callable[[], None] | None = None,
) -> Result:
    # Every request comes on a new connection, as from many phones. (With keep-alive the
    # kernel hands a burst of new connections to whichever uvicorn worker wakes first, with no
    # SO_REUSEPORT, and one worker would serve everything while the other idles.)
    client = RawClient(base_url, REQUEST_TIMEOUT)
    warm = Result(scenario=scenario.name, description="warm-up")
    if warmup > 0:
        warm_deadline = time.perf_counter() + warmup
        warm_budget = iter(range(max_requests))
        await asyncio.gather(
            *(
                _worker(client, scenario, warm_deadline, warm_budget, warm, seed=-1 - i)
                for i in range(concurrency)
            )
        )
    if on_measure is not None:
        on_measure()
    result = Result(scenario=scenario.name, description=scenario.description)
    result.warmup_successes = warm.successes
    budget = iter(range(max_requests))
    started = time.perf_counter()
    deadline = started + scenario.duration
    await asyncio.gather(
        *(_worker(client, scenario, deadline, budget, result, seed=i) for i in range(concurrency))
    )
    result.duration_s = time.perf_counter() - started
    result.finished_at = time.time()
    return result


# --- the server under test --------------------------------------------------------------------


class Server:
    """uvicorn + the Celery workers (one per queue) with bench.settings, as scripts/run.sh
    starts them."""

    def __init__(
        self, *, base_url: str, workers: int, settings_module: str, socket_workers: int = 0
    ) -> None:
        parsed = urllib.parse.urlsplit(base_url)
        self.host = parsed.hostname or "127.0.0.1"
        self.port = parsed.port or 80
        self.base_url = base_url
        self.workers = workers
        # >0: the WebSocket paths get uvicorn processes of their own on the next port, as a
        # proxy routing /ws/ to them would (deploy/nginx.conf); 0: the web processes serve them.
        self.socket_workers = socket_workers
        self.settings_module = settings_module
        self.processes: list[subprocess.Popen[bytes]] = []
        # One fixed scratch folder for uploads: a photo task left queued by an earlier run
        # still finds its file (paths are stored relative to PRIVATE_MEDIA_ROOT).
        self.workdir = Path(tempfile.gettempdir()) / "meldpunt-bench"
        self.workdir.mkdir(mode=0o700, exist_ok=True)
        self.log_path = self.workdir / f"server-{time.strftime('%Y%m%d-%H%M%S')}.log"

    def _env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            DJANGO_SETTINGS_MODULE=self.settings_module,
            PUBLIC_BASE_URL=self.base_url,
            # Uploads of the run go to a scratch folder, not the checkout's var/.
            MEDIA_ROOT=str(self.workdir / "media"),
            PRIVATE_MEDIA_ROOT=str(self.workdir / "private"),
            LOG_LEVEL=env.get("LOG_LEVEL", "WARNING"),
        )
        return env

    @property
    def socket_base_url(self) -> str:
        """Where the residents' sockets connect (the web's own URL unless sockets are apart)."""
        if not self.socket_workers:
            return self.base_url
        return f"http://{self.host}:{self.port + 1}"

    def start(self) -> None:
        def uvicorn(port: int, workers: int) -> list[str]:
            return [
                str(VENV_BIN / "uvicorn"),
                "backend.config.asgi:application",
                *("--host", self.host, "--port", str(port), "--workers", str(workers)),
                *("--no-access-log", "--lifespan", "off"),
            ]

        web = uvicorn(self.port, self.workers)
        # With no socket processes of their own this starts nothing (bash's `true`).
        sockets = uvicorn(self.port + 1, self.socket_workers) if self.socket_workers else ["true"]

        def worker(queue: str, nice: str, concurrency: str) -> list[str]:
            # As scripts/run.sh starts them: one persistent database connection instead of a
            # pool, the same queues and nice levels.
            return [
                "env",
                "DATABASE_POOL=false",
                "nice",
                "-n",
                nice,
                str(VENV_BIN / "celery"),
                "-A",
                "backend.config",
                "worker",
                "--loglevel",
                "WARNING",
                "-Q",
                queue,
                "--concurrency",
                concurrency,
                "--hostname",
                f"bench-{queue}-{os.getpid()}@%h",
            ]

        fan_out = worker(
            "celery", os.environ.get("CELERY_NICE", "0"), os.environ.get("CELERY_CONCURRENCY", "2")
        )
        photos = worker(
            "photos", os.environ.get("PHOTO_NICE", "10"), os.environ.get("PHOTO_CONCURRENCY", "1")
        )
        bookkeeping = worker(
            "bookkeeping",
            os.environ.get("BOOKKEEPING_NICE", "10"),
            os.environ.get("BOOKKEEPING_CONCURRENCY", "1"),
        )
        # Web and worker share one session of their own, as under run.sh, apart from this
        # client's. With the kernel's autogroup scheduling each session gets an equal share of
        # the CPU and nice counts only within a session: a session per process would make the
        # worker's nice meaningless, and sharing the client's would let the load generator
        # (the residents' phones, in real life) outrank the worker.
        supervisor = "\n".join(
            [
                # SIGTERM to each parent only: uvicorn stops its workers, Celery finishes the
                # task at hand (a warm shutdown).
                'trap \'kill -TERM "$web" "$sockets" "$worker" "$photos" "$books"'
                " 2>/dev/null; wait' TERM",
                f"{shlex.join(web)} & web=$!",
                f"{shlex.join(sockets)} & sockets=$!",
                f"{shlex.join(fan_out)} & worker=$!",
                f"{shlex.join(photos)} & photos=$!",
                f"{shlex.join(bookkeeping)} & books=$!",
                # One of them died: so does the session (see died()); `true` ends at once.
                "wait -n $web $worker $photos $books"
                + (" $sockets" if self.socket_workers else ""),
                """kill -TERM "$web" "$sockets" "$worker" "$photos" "$books" 2>/dev/null; wait""",
            ]
        )
        with open(self.log_path, "ab") as log_file:
            self.processes.append(
                subprocess.Popen(
                    ["bash", "-c", supervisor],
                    cwd=REPO,
                    env=self._env(),
                    stdout=log_file,
                    stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL,
                    start_new_session=True,
                )
            )
        apart = (
            f", sockets on {self.socket_base_url} ({self.socket_workers} workers)"
            if self.socket_workers
            else ""
        )
        log(
            f"started uvicorn ({self.workers} workers) and Celery workers (default queue, photos) "
            f"on {self.base_url}{apart} "
            f"with {self.settings_module}; log: {self.log_path}"
        )

    def stop(self, *, remove_uploads: bool) -> None:
        for process in self.processes:
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)
            # The supervisor leads the session and its process group: this reaches leftover
            # children of ours and nothing else.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
        self.processes.clear()
        if remove_uploads:
            shutil.rmtree(self.workdir / "media", ignore_errors=True)
            shutil.rmtree(self.workdir / "private", ignore_errors=True)

    def died(self) -> bool:
        return any(process.poll() is not None for process in self.processes)

    def wait_workers_ready(self, timeout: float = 60.0) -> bool:
        """Until both Celery workers answer a ping, which they do once their pool has started
        and they consume: the web answering its health check says nothing of them, and their
        start-up would otherwise count as the first measurement's CPU."""
        from celery import Celery

        app = Celery(broker=_broker_url())
        # Others' workers may share the broker: only this run's names count.
        waiting = {f"bench-{queue}-{os.getpid()}@" for queue in QUEUES}
        deadline = time.monotonic() + timeout
        try:
            while waiting and time.monotonic() < deadline and not self.died():
                answered = [name for reply in app.control.ping(timeout=1.0) for name in reply]
                waiting = {p for p in waiting if not any(n.startswith(p) for n in answered)}
        finally:
            app.close()
        if waiting:
            log(f"  Celery workers not answering after {timeout:.0f}s: {sorted(waiting)}")
        return not waiting

    def session(self) -> int | None:
        """The session id every process of the server carries (bench/procstat.py)."""
        if not self.processes or self.died():
            return None
        try:
            return os.getsid(self.processes[0].pid)
        except ProcessLookupError:
            return None

    def cpu_snapshot(self) -> procstat.Snapshot | None:
        session = self.session()
        return None if session is None else procstat.snapshot(session, db_port=db_port())

    def log_errors(self, top: int = 5) -> list[dict[str, Any]]:
        """The most frequent exception lines the server logged during this run."""
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return []
        counts = Counter(
            match.group(0)[:300]
            for match in re.finditer(r"^[\w.]+(?:Error|Exception): .*$", text, re.MULTILINE)
            # Django re-raises psycopg's error as its own: count the cause only once.
            if not match.group(0).startswith("django.db.utils.")
        )
        return [{"count": n, "line": line} for line, n in counts.most_common(top)]

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def wait_healthy(base_url: str, *, timeout: float, server: Server | None) -> None:
    deadline = time.monotonic() + timeout
    last = "no answer"
    with httpx.Client(base_url=base_url, timeout=2.0, trust_env=False) as client:
        while time.monotonic() < deadline:
            if server is not None and server.died():
                raise SystemExit(f"the server exited during start-up:\n{server.log_tail()}")
            try:
                response = client.get(HEALTH_PATH)
                if response.status_code == 200:
                    return
                last = f"HTTP {response.status_code}: {response.text[:200]}"
            except httpx.HTTPError as exc:
                last = f"{type(exc).__name__}"
            time.sleep(0.3)
    tail = f"\n{server.log_tail()}" if server else ""
    raise SystemExit(
        f"{base_url}{HEALTH_PATH} did not become healthy in {timeout:.0f}s: {last}{tail}"
    )


def preflight(base_url: str, photo: bytes) -> None:
    """One request of each kind, so a misconfigured server fails loudly before measuring."""
    rng = random.Random(0)
    with httpx.Client(base_url=base_url, timeout=REQUEST_TIMEOUT, trust_env=False) as client:
        bare = client.post(BARE_PATH, json=json_body(rng, category=False))
        if bare.status_code == 404:
            raise SystemExit(
                f"{base_url}{BARE_PATH} answers 404: the server was not started with "
                "DJANGO_SETTINGS_MODULE=bench.settings. Start it with\n"
                "  DJANGO_SETTINGS_MODULE=bench.settings .venv/bin/uvicorn "
                "backend.config.asgi:application --port ... --no-access-log --lifespan off\n"
                "or let this script do it: --start-server"
            )
        checks = [
            ("bare create", bare),
            (
                "bare create (photo)",
                client.post(
                    BARE_PHOTO_PATH,
                    data={k: str(v) for k, v in json_body(rng, category=False).items()},
                    files={"photo": ("photo.jpg", photo, "image/jpeg")},
                ),
            ),
            ("full intake (JSON)", client.post(FULL_PATH, json=json_body(rng, category=True))),
            (
                "full intake (photo)",
                client.post(
                    FULL_PATH,
                    data={k: str(v) for k, v in json_body(rng, category=True).items()},
                    files={"photos": ("photo.jpg", photo, "image/jpeg")},
                ),
            ),
        ]
    for label, response in checks:
        if response.status_code != 201:
            hint = ""
            if "category" in response.text or "service area" in response.text:
                hint = (
                    "\nIs the reference data loaded (taxonomy, demo areas)? "
                    "`.venv/bin/python manage.py setup_demo` loads it."
                )
            raise SystemExit(
                f"preflight {label}: expected 201, got HTTP {response.status_code}: "
                f"{response.text[:500]}{hint}"
            )


# --- Celery queue (so one scenario's background work does not bleed into the next) --------


def _database_url() -> urllib.parse.SplitResult:
    return urllib.parse.urlsplit(
        os.environ.get("DATABASE_URL", "postgis://postgres@127.0.0.1:5432/meldpunt")
    )


def db_connect() -> psycopg.Connection[Any]:
    import psycopg

    url = _database_url()
    return psycopg.connect(
        host=url.hostname or "127.0.0.1",
        port=url.port or 5432,
        user=url.username or "postgres",
        password=url.password,
        dbname=url.path.lstrip("/") or "meldpunt",
        autocommit=True,
    )


def db_port() -> int | None:
    """The database's TCP port when it runs on this machine, so that its backends can be
    found in /proc (bench/procstat.py); None otherwise."""
    url = _database_url()
    if (url.hostname or "127.0.0.1") not in LOOPBACK_HOSTS:
        return None
    return url.port or 5432


def vacuum_analyze() -> None:
    """Start each scenario from tidy tables. Autovacuum does this in production; on machines
    where it is off (this one), earlier runs' dead outbox rows and stale statistics would
    otherwise make each scenario slower than the one before."""
    with db_connect() as conn:
        for table in (
            "reports_report",
            "reports_reportevent",
            "reports_outboxentry",
            "reports_report_areas",
        ):
            conn.execute(f"VACUUM (ANALYZE) {table}")


def _broker_url() -> str:
    return os.environ.get("CELERY_BROKER_URL") or os.environ.get(
        "REDIS_URL", "redis://127.0.0.1:6379/0"
    )


def _broker() -> redis.Redis | None:
    import redis

    url = _broker_url()
    if urllib.parse.urlsplit(url).hostname not in LOOPBACK_HOSTS:
        return None
    return redis.Redis.from_url(url, socket_timeout=2)


def celery_queue_length() -> int | None:
    """Messages waiting in the Celery queues (default and photos), or None when Redis is not on
    loopback."""
    import redis

    client = _broker()
    if client is None:
        return None
    try:
        return sum(int(client.llen(key)) for key in QUEUE_KEYS)  # type: ignore[arg-type]
    except redis.RedisError:
        return None


def wait_queue_drained(timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    waiting = celery_queue_length()
    if not waiting:
        return True
    log(f"  waiting for the Celery queue to drain ({waiting} tasks, at most {timeout:.0f}s)")
    while waiting and time.monotonic() < deadline:
        time.sleep(1.0)
        waiting = celery_queue_length()
    if waiting:
        log(f"  {waiting} tasks still queued; whatever runs next shares the CPU with them")
    return not waiting


# --- drain: the fan-out of what was sent is done -------------------------------------------------


@dataclass(frozen=True)
class DrainMark:
    """Where a scenario's background work begins. Earlier leftovers (an entry that failed for
    good, a bare create's photo that nobody processes) are not waited for."""

    outbox_id: int
    db_now: Any
    wall: float


class Backlog:
    """What the workers still have to do for the work since a mark, from the database and the
    broker, on one connection each for the whole run."""

    def __init__(self) -> None:
        self.conn = db_connect()
        self.broker = _broker()

    def close(self) -> None:
        self.conn.close()
        if self.broker is not None:
            self.broker.close()

    def mark(self) -> DrainMark:
        row = self.conn.execute(
            "SELECT coalesce(max(id), 0), now() FROM reports_outboxentry"
        ).fetchone()
        assert row is not None
        return DrainMark(outbox_id=row[0], db_now=row[1], wall=time.time())

    def pending(self, mark: DrainMark, *, outbox: bool, photos: bool) -> dict[str, int]:
        """Counts of what is left, by kind; all zero means drained."""
        left: dict[str, int] = {}
        if outbox or photos:
            row = self.conn.execute(
                "SELECT"
                " (SELECT count(*) FROM reports_outboxentry"
                "   WHERE published_at IS NULL AND id > %(id)s AND attempts = 0),"
                " (SELECT count(*) FROM reports_outboxentry"
                "   WHERE published_at IS NULL AND id > %(id)s AND attempts > 0),"
                # A bare create's photo (stored under bench/, see bench/bare.py) is never
                # processed: only the full intake's count.
                " (SELECT count(*) FROM reports_attachment"
                "   WHERE %(photos)s AND state = 'pending' AND created_at >= %(since)s"
                "   AND original_path NOT LIKE 'bench/%%')",
                {"id": mark.outbox_id, "since": mark.db_now, "photos": photos},
            ).fetchone()
            assert row is not None
            left.update(outbox=row[0], outbox_failed=row[1], photos_pending=row[2])
        if self.broker is not None:
            # With acks_late (the project's setting) a task stays in the broker's unacked set
            # until it has finished, so "queues and unacked empty" means "no task left or
            # running", where the queues alone would miss the tasks at hand. Entries from
            # before the mark are not this work's: a killed worker's stay there until the
            # visibility timeout restores them.
            pipe = self.broker.pipeline()
            for key in QUEUE_KEYS:
                pipe.llen(key)
            pipe.zcount("unacked_index", mark.wall, "+inf")
            *queued, unacked = pipe.execute()
            left.update(queued=sum(int(n) for n in queued), running=int(unacked))
        return left

    def wait(
        self, mark: DrainMark, *, timeout: float, outbox: bool, photos: bool
    ) -> tuple[float | None, str]:
        """Wait until drained: (the time.time() it was, ""), or (None, what was left).

        Drained must hold on two polls in a row: between a task's commit and the tasks it
        queues after that commit, every count can read zero for a moment.
        """
        deadline = time.monotonic() + timeout
        first_clear: float | None = None
        while True:
            polled = time.time()
            left = self.pending(mark, outbox=outbox, photos=photos)
            failed = left.pop("outbox_failed", 0)
            if not any(left.values()):
                if failed:
                    # Only the sweep (beat, not started by this script) retries those.
                    return None, f"{failed} outbox entries failed, left to the sweep"
                if first_clear is not None:
                    return first_clear, ""
                first_clear = polled
            else:
                first_clear = None
            if time.monotonic() > deadline:
                waiting = ", ".join(f"{kind} {n}" for kind, n in left.items() if n)
                return None, f"not drained after {timeout:g}s ({waiting})"
            time.sleep(DRAIN_POLL_S)


# --- report -------------------------------------------------------------------------------------


def _fmt(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def _verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def print_table(summary: dict[str, Any], results: list[Result]) -> None:
    machine = summary["machine"]
    print()
    if summary["server_started"]:
        server = (
            f"uvicorn --workers {summary['web_workers']} + Celery worker "
            f"--concurrency {os.environ.get('CELERY_CONCURRENCY', '2')} "
            f"(nice {os.environ.get('CELERY_NICE', '0')}) + photo worker "
            f"--concurrency {os.environ.get('PHOTO_CONCURRENCY', '1')} "
            f"(nice {os.environ.get('PHOTO_NICE', '10')}), "
            f"{summary['settings']} (started by this script)"
        )
    else:
        server = "already running (web workers unknown)"
    connections = "a new connection per request (raw asyncio client)"
    print(f"Meldpunt intake benchmark against {summary['base_url']}")
    print(f"machine: nproc={machine['nproc']}   server: {server}")
    print(
        f"clients: {summary['concurrency']} concurrent, {connections}; "
        f"warm-up {summary['warmup_s']:g} s per scenario"
    )
    print(
        f"photo: {summary['photo']['width']}x{summary['photo']['height']} JPEG, "
        f"{summary['photo']['bytes'] / 1e6:.2f} MB, with EXIF GPS"
    )
    print()
    header = (
        f"{'scenario':<12} {'secs':>5} {'requests':>9} {'201s':>7} {'errors':>7} "
        f"{'reports/s':>10} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}"
    )
    print(header)
    print("-" * len(header))
    for r in results:
        print(
            f"{r.scenario:<12} {r.duration_s:>5.1f} {r.requests:>9} {r.successes:>7} "
            f"{r.errors:>7} {r.rps:>10.1f} {_fmt(r.percentile(50)):>8} "
            f"{_fmt(r.percentile(95)):>8} {_fmt(r.percentile(99)):>8}"
        )
    print()
    cpu_header = (
        f"{'scenario':<12} {'web ms/report':>14} {'worker ms/report':>17} "
        f"{'photo ms/report':>16} {'web pg ms/report':>17} {'drain s':>12}"
    )
    print(cpu_header)
    print("-" * len(cpu_header))
    for r in results:
        drain = _fmt(r.drain_s, 2) if r.drain_s is not None or not r.drains_s else "not drained"
        print(
            f"{r.scenario:<12} {_fmt(r.cpu_ms_per_report('web'), 2):>14} "
            f"{_fmt(r.cpu_ms_per_report('worker'), 2):>17} "
            f"{_fmt(r.cpu_ms_per_report('photo'), 2):>16} "
            f"{_fmt(r.cpu_ms_per_report('pg:web'), 2):>17} {drain:>12}"
        )
    print(
        "  server CPU per successful report: web (and web pg, the PostgreSQL backends of the "
        "web's\n  pool) over the measured phase; the workers (fan-out, photos) from before the "
        "warm-up,\n  over its reports too, until drained. The workers' backends are not "
        "counted: Celery opens\n  a connection per task, gone before it can be read. drain: "
        "seconds from the last response\n  until the outbox, the queues and the photos are "
        "done, in the slowest round."
    )
    if not summary["server_started"]:
        print("  (CPU is only measured on a server this script started)")
    for r in results:
        for reason in dict.fromkeys(r.not_drained):
            print(f"  {r.scenario}: {reason}")
        if r.processes_vanished:
            print(
                f"  {r.scenario}: {r.processes_vanished} server processes ended between "
                "snapshots; their CPU is not counted"
            )
    print()
    for r in results:
        print(f"  {r.scenario:<12} {r.description}")
    errors = [r for r in results if r.errors]
    if errors:
        print()
        print("errors:")
        for r in errors:
            kinds = ", ".join(f"{kind} x{count}" for kind, count in r.error_kinds.items())
            print(f"  {r.scenario}: {kinds}")
            print(f"    first: {r.first_error}")
    if summary["server_log_errors"]:
        print()
        print("server log, most frequent exceptions:")
        for entry in summary["server_log_errors"]:
            print(f"  x{entry['count']:<5} {entry['line']}")
    ratios = summary["ratios"]
    targets = summary["targets"]
    print()
    print("ratios (throughput, full intake / bare create):")
    for kind in ("json", "photo"):
        value = ratios[f"full_{kind}_over_bare_{kind}"]
        if value is None:
            continue
        print(f"  full-{kind:<5} / bare-{kind:<5} {_fmt(value, 2):>6}")
        per_round = [r["ratio"] for r in summary["rounds"].get(kind, [])]
        if len(per_round) > 1:
            print(
                f"    by round ({len(per_round)}, alternating order): "
                + "  ".join(f"{v:.2f}" for v in per_round)
            )
    if ratios["full_photo_over_bare_json"] is not None:
        print(
            f"  full-photo / bare-json  {_fmt(ratios['full_photo_over_bare_json'], 2):>6}"
            "   (not like for like: the bare JSON create receives no photo)"
        )
    print()
    print("targets:")
    for target in targets:
        measured = _fmt(target["measured"], 2)
        print(f"  {target['verdict']:<4}  {target['name']:<38} measured {measured}")
    print()


def summarise(
    args: argparse.Namespace,
    base_url: str,
    photo: bytes,
    results: dict[str, Result],
    rounds: dict[str, list[dict[str, float]]],
    server_errors: list[dict[str, Any]] | None,
) -> dict[str, Any]:
    def ratio(full: str, bare: str) -> float | None:
        if full not in results or bare not in results or not results[bare].rps:
            return None
        return results[full].rps / results[bare].rps

    ratios = {
        "full_json_over_bare_json": ratio("full-json", "bare-json"),
        "full_photo_over_bare_photo": ratio("full-photo", "bare-photo"),
        # Not like for like (the bare JSON create receives no photo); shown for comparison.
        "full_photo_over_bare_json": ratio("full-photo", "bare-json"),
    }
    # The ratio target compares the full intake with one bare create, and a bare
    # create of the model is a JSON one: the target applies to the JSON pair. The photo pair is
    # measured like for like and reported, without a verdict: a full photo intake also decodes
    # the upload to verify it (in the request) and processes it (in the worker), which no bare
    # create does.
    json_ratio = ratios["full_json_over_bare_json"]
    full_json = results["full-json"].rps
    targets = [
        {
            "name": f"full-json / bare-json >= {TARGET_RATIO}",
            "measured": json_ratio,
            "verdict": _verdict(json_ratio is not None and json_ratio >= TARGET_RATIO),
        },
        {
            "name": f"full-json >= {TARGET_JSON_RPS:.0f} reports/s",
            "measured": full_json,
            "verdict": _verdict(full_json >= TARGET_JSON_RPS),
        },
    ]
    return {
        "base_url": base_url,
        "machine": {"nproc": os.cpu_count(), "platform": sys.platform},
        "concurrency": args.concurrency,
        "web_workers": args.workers if args.start_server else "unknown (external server)",
        "server_started": args.start_server,
        "settings": args.settings if args.start_server else None,
        "warmup_s": args.warmup,
        "photo": {"width": PHOTO_SIZE[0], "height": PHOTO_SIZE[1], "bytes": len(photo)},
        "results": [result.as_dict() for result in results.values()],
        "ratios": ratios,
        "rounds": {
            kind: [{k: round(v, 3) for k, v in r.items()} for r in measured]
            for kind, measured in rounds.items()
        },
        "targets": targets,
        "server_log_errors": server_errors,
    }


# --- main ---------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument(
        "--url", default="http://127.0.0.1:8000", help="base URL of the server (loopback only)"
    )
    parser.add_argument("--concurrency", type=int, default=16, help="concurrent clients")
    parser.add_argument(
        "--duration",
        type=float,
        default=15.0,
        help="seconds measured for each JSON scenario (full and bare), over all rounds",
    )
    parser.add_argument(
        "--photo-duration",
        type=float,
        default=15.0,
        help="seconds measured for the photo scenario (0 skips it)",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=4,
        help="alternating rounds the JSON pair's time is split into (bare, full; full, bare; ...)",
    )
    parser.add_argument(
        "--warmup",
        type=float,
        default=2.0,
        help="seconds of uncounted requests before each scenario",
    )
    parser.add_argument(
        "--max-requests",
        type=int,
        default=100_000,
        help="upper bound of requests per scenario, whatever the duration",
    )
    parser.add_argument(
        "--start-server",
        action="store_true",
        help="start uvicorn + a Celery worker with bench.settings, stop them after",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=int(os.environ.get("WEB_CONCURRENCY", "2")),
        help="uvicorn workers with --start-server (run.sh: WEB_CONCURRENCY=2)",
    )
    parser.add_argument(
        "--settings",
        default="bench.settings",
        help="settings module for --start-server; it must mount bench.urls",
    )
    parser.add_argument(
        "--drain-timeout",
        type=float,
        default=60.0,
        help="seconds to wait for the Celery queue to empty between scenarios",
    )
    parser.add_argument(
        "--fanout-timeout",
        type=float,
        default=120.0,
        help="seconds to wait after each scenario for its fan-out to drain (outbox, queues, "
        "photos) before reporting it not drained",
    )
    parser.add_argument("--json", action="store_true", help="print the results as one JSON object")
    parser.add_argument(
        "--no-vacuum", action="store_true", help="skip VACUUM ANALYZE before each scenario"
    )
    args = parser.parse_args(argv)
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    if args.concurrency < 1 or args.duration <= 0 or args.max_requests < 1:
        parser.error("concurrency, duration and max-requests must be positive")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    base_url = loopback_only(args.url)
    try:
        import uvloop

        uvloop.install()  # less client CPU taken from the 2 cores the server runs on
    except ImportError:
        pass

    photo = make_photo()
    log(f"photo: {PHOTO_SIZE[0]}x{PHOTO_SIZE[1]} JPEG, {len(photo)} bytes")

    server = (
        Server(base_url=base_url, workers=args.workers, settings_module=args.settings)
        if args.start_server
        else None
    )
    server_errors: list[dict[str, Any]] | None = None
    backlog = Backlog()
    try:
        if server is not None:
            server.start()
        wait_healthy(base_url, timeout=60.0 if server else 5.0, server=server)
        if server is not None:
            server.wait_workers_ready()
        before_preflight = backlog.mark()
        preflight(base_url, photo)
        # The first scenario's CPU window starts drained, as every later one does.
        _, left = backlog.wait(
            before_preflight, timeout=args.fanout_timeout, outbox=True, photos=True
        )
        if left:
            log(f"  preflight's fan-out: {left}")

        scenarios = [
            Scenario(
                "bare-json",
                f"POST {BARE_PATH} JSON (ModelSerializer + CreateAPIView)",
                BARE_PATH,
                args.duration / args.rounds,
                post_json(category=False),
            ),
            Scenario(
                "full-json",
                f"POST {FULL_PATH} JSON with category",
                FULL_PATH,
                args.duration / args.rounds,
                post_json(category=True),
            ),
        ]
        if args.photo_duration > 0:
            scenarios += [
                Scenario(
                    "bare-photo",
                    f"POST {BARE_PHOTO_PATH} multipart, the same photo stored as it came",
                    BARE_PHOTO_PATH,
                    args.photo_duration / args.rounds,
                    post_photo(photo, bare=True),
                ),
                Scenario(
                    "full-photo",
                    f"POST {FULL_PATH} multipart, 1 photo of {len(photo) / 1e6:.2f} MB",
                    FULL_PATH,
                    args.photo_duration / args.rounds,
                    post_photo(photo),
                ),
            ]
        results: dict[str, Result] = {}
        rounds: dict[str, list[dict[str, float]]] = {}

        def measure(scenario: Scenario) -> Result:
            wait_queue_drained(args.drain_timeout)
            if not args.no_vacuum:
                vacuum_analyze()
            log(
                f"{scenario.name}: {args.warmup:.0f}s warm-up, {scenario.duration:.0f}s measured, "
                f"{args.concurrency} clients"
            )
            mark = backlog.mark()
            cpu: dict[str, procstat.Snapshot | None] = {}
            cpu["start"] = server.cpu_snapshot() if server is not None else None

            def measured_phase_starts() -> None:
                cpu["measured"] = server.cpu_snapshot() if server is not None else None

            result = asyncio.run(
                run_scenario(
                    base_url,
                    scenario,
                    concurrency=args.concurrency,
                    warmup=args.warmup,
                    max_requests=args.max_requests,
                    on_measure=measured_phase_starts,
                )
            )
            result.queue_after = celery_queue_length()
            full = scenario.name.startswith("full-")
            # A bare create queues nothing and records no events; its photos stay pending
            # for good, as nobody processes them.
            drained_at, left = backlog.wait(
                mark,
                timeout=args.fanout_timeout,
                outbox=full,
                photos=full and scenario.name.endswith("-photo"),
            )
            result.drains_s.append(None if drained_at is None else drained_at - result.finished_at)
            if left:
                result.not_drained.append(left)
            end = server.cpu_snapshot() if server is not None else None
            start, measured_start = cpu["start"], cpu.get("measured")
            if start is not None and measured_start is not None and end is not None:
                result.record_cpu(procstat.delta(measured_start, end), procstat.delta(start, end))
            log(
                f"  {result.successes} created, {result.errors} errors, {result.rps:.1f}/s, "
                f"Celery queue after: {result.queue_after}; "
                + (f"drained in {result.drains_s[-1]:.2f}s" if drained_at is not None else left)
                + "".join(
                    f", {role} {_fmt(result.cpu_ms_per_report(role), 2)} ms/report"
                    for role in ("web", "worker", "photo", "pg:web")
                    if result.cpu_measured is not None
                )
            )
            if server is not None and server.died():
                raise SystemExit(f"the server died during {scenario.name}:\n{server.log_tail()}")
            if scenario.name in results:
                results[scenario.name].absorb(result)
            else:
                results[scenario.name] = result
            return result

        # Each pair (bare, full) in alternating rounds (bare, full; full, bare; ...): this
        # machine's speed drifts by tens of percent within minutes, and a ratio of two runs
        # minutes apart measures the drift as much as the code. Each scenario starts once the
        # worker has caught up with the one before (photos: their processing).
        for kind, pair in (("json", scenarios[:2]), ("photo", scenarios[2:])):
            for number in range(args.rounds if pair else 0):
                order = pair if number % 2 == 0 else pair[::-1]
                measured = {s.name: measure(s).rps for s in order}
                bare_rps, full_rps = measured[f"bare-{kind}"], measured[f"full-{kind}"]
                rounds.setdefault(kind, []).append(
                    {"bare": bare_rps, "full": full_rps, "ratio": full_rps / bare_rps}
                )
                log(f"  round {number + 1}: full-{kind} / bare-{kind} {full_rps / bare_rps:.2f}")
    finally:
        if server is not None:
            # Leave no backlog behind for the next run's worker to chew on while measuring.
            drained = not server.died() and wait_queue_drained(args.drain_timeout)
            server.stop(remove_uploads=drained)
            server_errors = server.log_errors()
            log(f"server stopped; its log: {server.log_path}")
        backlog.close()

    summary = summarise(args, base_url, photo, results, rounds, server_errors)
    if args.json:
        print(json.dumps(summary, indent=2))
    else:
        print_table(summary, list(results.values()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
