"""Photos as a denial of service (issue #14, finding 6): heavy photo intakes all at once, and a
resident's JSON report sent meanwhile.

Sends ``--requests`` (16) intakes at once, each multipart with ``--photos`` (5) PNGs of
``--side`` x ``--side`` (7000 x 7000, 49 MP) pixels and about ``--photo-bytes`` (1 MB) each,
generated here into a temporary folder: black rows, which deflate shrinks ~1000:1, and enough
rows of noise to reach the size. Decoding one takes ~150 MB. While they are in flight a JSON
report (category given, as the app sends it) goes out every ``--json-interval`` seconds. It
prints, against the targets:

  the web processes' resident memory, each: before and peak      target < 600 MB
  the JSON reports' answer times (the slowest)                   target < 1 s
  the heavy requests' status codes and answer times
  the photo worker: how long after the last heavy answer every accepted photo is processed
  (ready or failed), its CPU and its peak resident memory

    DATABASE_URL=postgis://postgres@127.0.0.1:5432/meldpunt_photo_bench \\
    REDIS_URL=redis://127.0.0.1:6379/10 \\
        .venv/bin/python bench/photo_dos.py --start-server --url http://127.0.0.1:8030
    # the same with a request budget that lets the heavy requests in, so that the photo
    # worker decodes all of them (the default budget refuses 5 x 49 MP in the request):
        ... bench/photo_dos.py --start-server --url http://127.0.0.1:8030 \\
            --request-max-pixels 250000000

The database must be set up (`manage.py migrate` and `manage.py setup_demo`). Memory is read
from /proc, so only for a server this script started (--start-server). Only loopback URLs are
accepted. The reports created stay in the database; the uploads are removed with the server.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import struct
import sys
import tempfile
import threading
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench import procstat  # noqa: E402
from bench.intake import (  # noqa: E402
    RAW_ERRORS,
    Backlog,
    RawClient,
    Server,
    json_body,
    log,
    loopback_only,
    wait_healthy,
)

PATH = "/api/v1/public/reports/"
TARGET_WEB_RSS_MB = 600.0
TARGET_JSON_S = 1.0
REQUEST_TIMEOUT = 300.0
SAMPLE_INTERVAL_S = 0.02
MB = 1024 * 1024


# --- the photos ---------------------------------------------------------------------------------


def _png_chunk(kind: bytes, payload: bytes) -> bytes:
    crc = zlib.crc32(kind + payload) & 0xFFFFFFFF
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", crc)


def heavy_png(side: int, approximate_bytes: int, seed: int) -> bytes:
    """A valid RGB PNG of side x side pixels and about ``approximate_bytes``, written row by row
    (this process never holds the picture): black rows repeating the one above, and random
    rows placed at random to make up the size."""
    rng = random.Random(seed)
    black_bytes = side * side * 3 // 1000  # what deflate leaves of the black rows, roughly
    noisy_count = max(0, min(side, (approximate_bytes - black_bytes) // (side * 3)))
    noisy = set(rng.sample(range(side), noisy_count))
    compressor = zlib.compressobj(6)
    repeat = b"\x02" + bytes(side * 3)  # filter "Up", no difference
    parts = [
        compressor.compress(b"\x00" + rng.randbytes(side * 3) if row in noisy else repeat)
        for row in range(side)
    ]
    data = b"".join(parts) + compressor.flush()
    header = struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)
    chunks = [_png_chunk(b"IHDR", header)]
    chunks += [_png_chunk(b"IDAT", data[i : i + 65536]) for i in range(0, len(data), 65536)]
    return b"\x89PNG\r\n\x1a\n" + b"".join(chunks) + _png_chunk(b"IEND", b"")


def multipart(fields: dict[str, str], photos: list[bytes]) -> tuple[bytes, str]:
    boundary = f"photodos{random.getrandbits(64):016x}"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ]
    for index, photo in enumerate(photos):
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="photos"; '
            f'filename="heavy-{index}.png"\r\nContent-Type: image/png\r\n\r\n'.encode()
        )
        parts += [photo, b"\r\n"]
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


# --- resident memory, sampled -------------------------------------------------------------------


class MemorySampler:
    """Samples the resident memory of the server's web and photo processes in a thread, keeping
    each process's peak. The processes are found once, when it starts (none restarts here)."""

    def __init__(self, session: int) -> None:
        self.roles = {
            pid: role
            for pid, role in procstat.roles(session).items()
            if role in (procstat.WEB, procstat.PHOTO)
        }
        self.baseline = self._sample()
        self.peak = dict(self.baseline)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> dict[int, int]:
        return {pid: rss for pid in self.roles if (rss := procstat.rss_bytes(pid)) is not None}

    def _run(self) -> None:
        while not self._stop.is_set():
            for pid, rss in self._sample().items():
                self.peak[pid] = max(self.peak.get(pid, 0), rss)
            self._stop.wait(SAMPLE_INTERVAL_S)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def rows(self, role: str) -> list[tuple[int, float, float]]:
        """(pid, baseline MB, peak MB) of each process of ``role``."""
        return [
            (pid, self.baseline.get(pid, 0) / MB, self.peak.get(pid, 0) / MB)
            for pid, r in sorted(self.roles.items())
            if r == role
        ]


# --- the load -----------------------------------------------------------------------------------


@dataclass
class Outcome:
    heavy: list[tuple[int | str, float]] = field(default_factory=list)  # (status, seconds)
    json: list[tuple[int | str, float]] = field(default_factory=list)
    heavy_done_at: float = 0.0  # time.time() of the last heavy answer


async def _timed(client: RawClient, body: bytes, content_type: str) -> tuple[int | str, float]:
    started = time.perf_counter()
    try:
        response = await client.post(PATH, body, content_type)
        status: int | str = response.status_code
        if status not in (201, 400):
            log(f"  HTTP {status}: {response.text[:300]}")
    except RAW_ERRORS as exc:
        status = type(exc).__name__
    return status, time.perf_counter() - started


async def run_load(
    base_url: str, photos: list[bytes], *, requests: int, json_interval: float
) -> Outcome:
    client = RawClient(base_url, REQUEST_TIMEOUT)
    rng = random.Random(14)
    bodies = [
        multipart({k: str(v) for k, v in json_body(rng, category=True).items()}, photos)
        for _ in range(requests)
    ]
    outcome = Outcome()

    async def heavy(body: bytes, content_type: str) -> None:
        outcome.heavy.append(await _timed(client, body, content_type))

    tasks = [asyncio.ensure_future(heavy(*body)) for body in bodies]
    # The JSON reports start once the heavy ones are on their way, and go on while any of them
    # waits for its answer (at least one is always sent).
    await asyncio.sleep(min(0.3, json_interval))
    while True:
        body = json.dumps(json_body(rng, category=True)).encode()
        outcome.json.append(await _timed(client, body, "application/json"))
        if all(task.done() for task in tasks):
            break
        await asyncio.sleep(json_interval)
    await asyncio.gather(*tasks)
    outcome.heavy_done_at = time.time()
    return outcome


def attachment_states(backlog: Backlog, since: Any) -> dict[str, int]:
    rows = backlog.conn.execute(
        "SELECT state, count(*) FROM reports_attachment WHERE created_at >= %s GROUP BY state",
        (since,),
    ).fetchall()
    return {state: count for state, count in rows}


def warm_up(base_url: str, small_photo: bytes) -> None:
    """A few JSON and photo intakes first, so that both web processes have imported and loaded
    what a first request loads (the classifier, Pillow's plugins) before anything is measured."""

    async def go() -> None:
        client = RawClient(base_url, REQUEST_TIMEOUT)
        rng = random.Random(0)
        for _ in range(6):
            fields = {k: str(v) for k, v in json_body(rng, category=True).items()}
            json_status, _ = await _timed(
                client, json.dumps(json_body(rng, category=True)).encode(), "application/json"
            )
            photo_status, _ = await _timed(client, *multipart(fields, [small_photo]))
            if json_status != 201 or photo_status != 201:
                raise SystemExit(
                    f"warm-up: JSON {json_status}, photo {photo_status} (expected 201): is the "
                    "database set up (`manage.py migrate`, `manage.py setup_demo`)?"
                )

    asyncio.run(go())


# --- report -------------------------------------------------------------------------------------


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def print_report(
    args: argparse.Namespace,
    photos: list[bytes],
    outcome: Outcome,
    memory: MemorySampler | None,
    worker: dict[str, Any],
    server_errors: list[dict[str, Any]],
) -> None:
    budget = os.environ.get("PHOTO_REQUEST_MAX_PIXELS", "server default")
    print()
    print(f"Meldpunt photo denial-of-service benchmark against {args.url}")
    print(
        f"machine: nproc={os.cpu_count()}   server: uvicorn --workers {args.workers} + Celery "
        f"workers (photos: concurrency {os.environ.get('PHOTO_CONCURRENCY', '1')}, "
        f"nice {os.environ.get('PHOTO_NICE', '10')})"
        + ("" if args.start_server else ", already running")
        + f"; PHOTO_REQUEST_MAX_PIXELS={budget}"
    )
    sizes = ", ".join(f"{len(p) / 1e6:.2f}" for p in photos)
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(f"machine load average (1, 5, 15 min) at the end: {load}")
    print(
        f"load: {args.requests} requests at once, each {len(photos)} PNG of "
        f"{args.side}x{args.side} ({args.side * args.side / 1e6:.0f} MP; {sizes} MB); "
        f"a JSON report every {args.json_interval:g} s meanwhile"
    )
    print()
    if memory is not None:
        peaks = []
        print("web processes' resident memory (MB)")
        for pid, before, peak in memory.rows(procstat.WEB):
            peaks.append(peak)
            growth = peak - before
            print(f"  pid {pid:>7}   before {before:6.0f}   peak {peak:6.0f}   (+{growth:.0f})")
        worst = max(peaks) if peaks else float("nan")
        print(
            f"  target: every web process < {TARGET_WEB_RSS_MB:.0f} MB at its peak: "
            f"{worst:.0f} MB  {verdict(bool(peaks) and worst < TARGET_WEB_RSS_MB)}"
        )
    else:
        print("web processes' resident memory: not measured (only with --start-server)")
    print()
    json_times = [seconds for _, seconds in outcome.json]
    json_codes = sorted({str(status) for status, _ in outcome.json})
    slowest = max(json_times)
    print(
        f"JSON reports sent while the heavy requests were in flight: {len(json_times)}, "
        f"status {', '.join(json_codes)}"
    )
    print(
        f"  answer time: slowest {slowest:.3f} s, median "
        f"{sorted(json_times)[len(json_times) // 2]:.3f} s, first {json_times[0]:.3f} s"
    )
    json_ok = slowest < TARGET_JSON_S and json_codes == ["201"]
    print(f"  target: each answered (201) in < {TARGET_JSON_S:g} s: {verdict(json_ok)}")
    print()
    codes: dict[str, int] = {}
    for status, _ in outcome.heavy:
        codes[str(status)] = codes.get(str(status), 0) + 1
    heavy_times = sorted(seconds for _, seconds in outcome.heavy)
    print(
        f"heavy requests: status {', '.join(f'{c} x{n}' for c, n in sorted(codes.items()))}; "
        f"answered in {heavy_times[0]:.2f}-{heavy_times[-1]:.2f} s "
        f"(median {heavy_times[len(heavy_times) // 2]:.2f} s)"
    )
    print()
    states = worker["states"]
    print(
        "photo worker, after the last heavy answer: "
        + (
            f"done in {worker['drain_s']:.1f} s"
            if worker["drain_s"] is not None
            else f"not done: {worker['left']}"
        )
        + f"; photos {', '.join(f'{s} {n}' for s, n in sorted(states.items())) or 'none'}"
    )
    if worker["cpu_s"] is not None:
        print(f"  photo worker CPU: {worker['cpu_s']:.1f} s", end="")
        rows = memory.rows(procstat.PHOTO) if memory is not None else []
        if rows:
            print(f"; resident memory peak {max(peak for _, _, peak in rows):.0f} MB", end="")
        print()
    if server_errors:
        print()
        print("server log, most frequent errors:")
        for entry in server_errors:
            print(f"  {entry['count']} x {entry['line']}")
    print()


# --- main ---------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--url", default="http://127.0.0.1:8030", help="server (loopback only)")
    parser.add_argument("--requests", type=int, default=16, help="heavy requests sent at once")
    parser.add_argument("--photos", type=int, default=5, help="PNGs per heavy request")
    parser.add_argument("--side", type=int, default=7000, help="each PNG's width and height")
    parser.add_argument("--photo-bytes", type=int, default=1_000_000, help="each PNG's size")
    parser.add_argument(
        "--json-interval", type=float, default=0.25, help="seconds between the JSON reports"
    )
    parser.add_argument("--start-server", action="store_true", help="start uvicorn + workers")
    parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", "2")))
    parser.add_argument(
        "--request-max-pixels",
        type=int,
        help="PHOTO_REQUEST_MAX_PIXELS for the server started here (default: the server's)",
    )
    parser.add_argument(
        "--worker-timeout",
        type=float,
        default=900.0,
        help="seconds to wait for the photo worker after the heavy requests",
    )
    args = parser.parse_args(argv)
    if min(args.requests, args.photos, args.side, args.photo_bytes) < 1:
        parser.error("requests, photos, side and photo-bytes must be positive")
    if args.request_max_pixels is not None and not args.start_server:
        parser.error("--request-max-pixels needs --start-server")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    base_url = loopback_only(args.url)
    # One client sends every request: the intake limit per address is not what this measures.
    # (Server passes this process's environment on.)
    os.environ["RATE_LIMITS_ENABLED"] = "false"
    if args.request_max_pixels is not None:
        os.environ["PHOTO_REQUEST_MAX_PIXELS"] = str(args.request_max_pixels)
    with tempfile.TemporaryDirectory(prefix="meldpunt-photo-dos-") as folder:
        log(f"writing {args.photos} PNGs of {args.side}x{args.side} to {folder} ...")
        paths = []
        for index in range(args.photos):
            path = Path(folder) / f"heavy-{index}.png"
            path.write_bytes(heavy_png(args.side, args.photo_bytes, seed=index))
            paths.append(path)
        photos = [path.read_bytes() for path in paths]
        small = heavy_png(64, 2000, seed=99)

    server = (
        Server(base_url=base_url, workers=args.workers, settings_module="backend.config.settings")
        if args.start_server
        else None
    )
    if server is not None:
        # A scratch folder of this run's own: the shared one of bench/intake.py is emptied by
        # whichever benchmark stops first, and others may be running on this machine.
        server.workdir = Path(tempfile.mkdtemp(prefix="meldpunt-photo-dos-server-"))
        server.log_path = server.workdir / "server.log"
    backlog = Backlog()
    memory: MemorySampler | None = None
    server_errors: list[dict[str, Any]] = []
    try:
        if server is not None:
            server.start()
        wait_healthy(base_url, timeout=180.0 if server else 5.0, server=server)
        if server is not None:
            server.wait_workers_ready()
        warm_mark = backlog.mark()
        warm_up(base_url, small)
        backlog.wait(warm_mark, timeout=60.0, outbox=True, photos=True)

        session = server.session() if server is not None else None
        if session is not None:
            memory = MemorySampler(session)
            memory.start()
        mark = backlog.mark()
        cpu_start = server.cpu_snapshot() if server is not None else None
        log(f"{args.requests} heavy requests at once, JSON reports meanwhile ...")
        outcome = asyncio.run(
            run_load(base_url, photos, requests=args.requests, json_interval=args.json_interval)
        )
        log("waiting for the photo worker ...")
        drained_at, left = backlog.wait(mark, timeout=args.worker_timeout, outbox=True, photos=True)
        cpu_end = server.cpu_snapshot() if server is not None else None
        if memory is not None:
            memory.stop()
        worker = {
            "drain_s": None if drained_at is None else drained_at - outcome.heavy_done_at,
            "left": left,
            "states": attachment_states(backlog, mark.db_now),
            "cpu_s": (
                procstat.delta(cpu_start, cpu_end).of(procstat.PHOTO)
                if cpu_start is not None and cpu_end is not None
                else None
            ),
        }
        if server is not None and server.died():
            raise SystemExit(f"the server died:\n{server.log_tail()}")
    finally:
        if memory is not None:
            memory.stop()
        if server is not None:
            server.stop(remove_uploads=True)
            server_errors = server.log_errors()
            log(f"server stopped; its log: {server.log_path}")
        backlog.close()
    print_report(args, photos, outcome, memory, worker, server_errors)
    return 0


if __name__ == "__main__":
    sys.exit(main())
