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
from typing import Any

import httpx

REPO = Path(__file__).resolve().parents[1]
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
        }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


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
) -> Result:
    # Every request comes on a new connection, as from many phones. (With keep-alive the
    # kernel hands a burst of new connections to whichever uvicorn worker wakes first, with no
    # SO_REUSEPORT, and one worker would serve everything while the other idles.)
    client = RawClient(base_url, REQUEST_TIMEOUT)
    if warmup > 0:
        warm_deadline = time.perf_counter() + warmup
        warm_budget = iter(range(max_requests))
        await asyncio.gather(
            *(
                _worker(client, scenario, warm_deadline, warm_budget, None, seed=-1 - i)
                for i in range(concurrency)
            )
        )
    result = Result(scenario=scenario.name, description=scenario.description)
    budget = iter(range(max_requests))
    started = time.perf_counter()
    deadline = started + scenario.duration
    await asyncio.gather(
        *(_worker(client, scenario, deadline, budget, result, seed=i) for i in range(concurrency))
    )
    result.duration_s = time.perf_counter() - started
    return result


# --- the server under test --------------------------------------------------------------------


class Server:
    """uvicorn + one Celery worker with bench.settings, as scripts/run.sh starts them."""

    def __init__(self, *, base_url: str, workers: int, settings_module: str) -> None:
        parsed = urllib.parse.urlsplit(base_url)
        self.host = parsed.hostname or "127.0.0.1"
        self.port = parsed.port or 80
        self.base_url = base_url
        self.workers = workers
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

    def start(self) -> None:
        web = [
            str(VENV_BIN / "uvicorn"),
            "backend.config.asgi:application",
            "--host",
            self.host,
            "--port",
            str(self.port),
            "--workers",
            str(self.workers),
            "--no-access-log",
            "--lifespan",
            "off",
        ]

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
        # Web and worker share one session of their own, as under run.sh, apart from this
        # client's. With the kernel's autogroup scheduling each session gets an equal share of
        # the CPU and nice counts only within a session: a session per process would make the
        # worker's nice meaningless, and sharing the client's would let the load generator
        # (the residents' phones, in real life) outrank the worker.
        supervisor = "\n".join(
            [
                # SIGTERM to each parent only: uvicorn stops its workers, Celery finishes the
                # task at hand (a warm shutdown).
                """trap 'kill -TERM "$web" "$worker" "$photos" 2>/dev/null; wait' TERM""",
                f"{shlex.join(web)} & web=$!",
                f"{shlex.join(fan_out)} & worker=$!",
                f"{shlex.join(photos)} & photos=$!",
                "wait -n",  # one of them died: so does the session (see died())
                """kill -TERM "$web" "$worker" "$photos" 2>/dev/null; wait""",
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
        log(
            f"started uvicorn ({self.workers} workers) and Celery workers (default queue, photos) "
            f"on {self.base_url} "
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


def vacuum_analyze() -> None:
    """Start each scenario from tidy tables. Autovacuum does this in production; on machines
    where it is off (this one), earlier runs' dead outbox rows and stale statistics would
    otherwise make each scenario slower than the one before."""
    from urllib.parse import urlparse

    import psycopg

    url = urlparse(os.environ.get("DATABASE_URL", "postgis://postgres@127.0.0.1:5432/meldpunt"))
    with psycopg.connect(
        host=url.hostname or "127.0.0.1",
        port=url.port or 5432,
        user=url.username or "postgres",
        password=url.password,
        dbname=url.path.lstrip("/") or "meldpunt",
        autocommit=True,
    ) as conn:
        for table in (
            "reports_report",
            "reports_reportevent",
            "reports_outboxentry",
            "reports_report_areas",
        ):
            conn.execute(f"VACUUM (ANALYZE) {table}")


def celery_queue_length() -> int | None:
    """Messages waiting in the Celery queues (default and photos), or None when Redis is not on
    loopback."""
    import redis

    url = os.environ.get("CELERY_BROKER_URL") or os.environ.get(
        "REDIS_URL", "redis://127.0.0.1:6379/0"
    )
    if urllib.parse.urlsplit(url).hostname not in LOOPBACK_HOSTS:
        return None
    try:
        client = redis.Redis.from_url(url, socket_timeout=2)
        return sum(int(client.llen(queue)) for queue in ("celery", "photos"))  # type: ignore[arg-type]
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
    try:
        if server is not None:
            server.start()
        wait_healthy(base_url, timeout=60.0 if server else 5.0, server=server)
        preflight(base_url, photo)

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
            result = asyncio.run(
                run_scenario(
                    base_url,
                    scenario,
                    concurrency=args.concurrency,
                    warmup=args.warmup,
                    max_requests=args.max_requests,
                )
            )
            result.queue_after = celery_queue_length()
            log(
                f"  {result.successes} created, {result.errors} errors, {result.rps:.1f}/s, "
                f"Celery queue after: {result.queue_after}"
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

    summary = summarise(args, base_url, photo, results, rounds, server_errors)
    if args.json:
        print(json.dumps(summary, indent=2))
    else:
        print_table(summary, list(results.values()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
