"""Push latency: from a committed status change to the resident's WebSocket.

Opens one WebSocket per report (``/ws/v1/reports/{token}/``, 1,000 by default) against a
running server, then commits status changes at a steady rate (100/s by default) through the
real service (``report_transition``, the same call the staff API makes) in a separate process,
and prints p50/p95/p99 of commit -> receipt, with how many changes never arrived (lost) and how
many arrived more than once (duplicated).

    # server started here (uvicorn + Celery worker, as bench/intake.py does), on port 8020:
    DATABASE_URL=postgis://postgres@127.0.0.1:5432/meldpunt_push_bench \\
    REDIS_URL=redis://127.0.0.1:6379/9 \\
        .venv/bin/python bench/push.py --start-server --url http://127.0.0.1:8020
    # against a server already running with the same DATABASE_URL/REDIS_URL:
    .venv/bin/python bench/push.py --url http://127.0.0.1:8000

The benchmark creates its reports (``--subscribers`` of them) in the database DATABASE_URL
names, which must be the server's. Only loopback URLs are accepted. Clients answer the server's
heartbeat pings, as the protocol asks.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import multiprocessing
import os
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench import procstat  # noqa: E402
from bench.intake import Backlog, DrainMark, Server, log, loopback_only, wait_healthy  # noqa: E402

TARGET_P95_MS = 200.0
CATEGORY = "afval/container-is-vol"
# The demo municipality (fixtures/areas): inside the service area.
LAT, LON = 52.3731, 4.8926


def _django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.config.settings")
    import django

    django.setup()


# --- the reports and the committing process ---------------------------------------------------


def create_reports(count: int) -> list[tuple[str, str]]:
    """``count`` new reports, each in progress: (id, tracking token)."""
    _django()
    from django.contrib.gis.geos import Point

    from backend.reports.actors import ActorRef
    from backend.reports.services import report_create, report_transition
    from backend.reports.tracking import tracking_token_for
    from backend.taxonomy.selectors import category_by_path

    category = category_by_path(CATEGORY)
    if category is None:
        raise SystemExit(
            f"category {CATEGORY} missing: run `manage.py setup_demo` on this database first"
        )
    staff = ActorRef.system()
    reports = []
    for index in range(count):
        report = report_create(
            text=f"Benchmark push {index}: de container is vol",
            location=Point(LON + (index % 50) * 1e-4, LAT + (index // 50) * 1e-5, srid=4326),
            category=category,
        ).report
        report_transition(report_id=report.id, actor=staff, to="in_progress")
        reports.append((str(report.id), tracking_token_for(report.id)))
    return reports


def commit_loop(
    report_ids: list[str], rate: float, duration: float, start_at: float, out: Any
) -> None:
    """Child process: commit status changes at ``rate`` per second; report each commit time.

    Round robin over the reports, each toggling in_progress <-> scheduled. Puts
    (report_id, seq, commit wall time) on ``out`` for each change, then None.
    """
    _django()
    import uuid

    from backend.reports.actors import ActorRef
    from backend.reports.services import report_transition

    staff = ActorRef.system()
    state = dict.fromkeys(report_ids, "in_progress")
    total = int(rate * duration)
    while time.time() < start_at:
        time.sleep(0.001)
    for index in range(total):
        due = start_at + index / rate
        delay = due - time.time()
        if delay > 0:
            time.sleep(delay)
        report_id = report_ids[index % len(report_ids)]
        target = "scheduled" if state[report_id] == "in_progress" else "in_progress"
        report = report_transition(report_id=uuid.UUID(report_id), actor=staff, to=target)
        committed = time.time()  # report_transition's transaction has committed on return
        state[report_id] = target
        out.put((report_id, report.last_event_seq, committed))
    out.put(None)


# --- the subscribers --------------------------------------------------------------------------


class Subscribers:
    def __init__(self) -> None:
        self.received: dict[tuple[str, int], list[float]] = {}
        self.connected = 0
        self.failed: Counter[str] = Counter()
        self.closed: Counter[str] = Counter()
        self.pings = 0

    async def run_one(
        self,
        ws_base: str,
        report_id: str,
        token: str,
        stop: asyncio.Event,
        opening: asyncio.Semaphore,
    ) -> None:
        import websockets
        from websockets.typing import Origin

        try:
            await opening.acquire()
            try:
                ws = await websockets.connect(
                    f"{ws_base}/ws/v1/reports/{token}/",
                    origin=Origin("http://127.0.0.1"),
                    open_timeout=60,
                    ping_interval=None,  # the application's heartbeat is the one that counts
                    max_queue=None,
                )
            finally:
                opening.release()
            async with ws:
                self.connected += 1
                receiver = asyncio.ensure_future(self._receive(ws, report_id))
                stopper = asyncio.ensure_future(stop.wait())
                await asyncio.wait({receiver, stopper}, return_when=asyncio.FIRST_COMPLETED)
                for task in (receiver, stopper):
                    task.cancel()
        except Exception as exc:
            self.failed[type(exc).__name__] += 1

    async def _receive(self, ws: Any, report_id: str) -> None:
        import websockets

        try:
            async for raw in ws:
                arrived = time.time()
                message = json.loads(raw)
                if message.get("type") == "ping":
                    self.pings += 1
                    await ws.send('{"type": "pong"}')
                    continue
                self.received.setdefault((report_id, message["seq"]), []).append(arrived)
        except websockets.ConnectionClosed as exc:
            self.closed[str(exc.rcvd.code if exc.rcvd else "none")] += 1


def percentile(values: list[float], p: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, min(len(ordered), int(-(-p * len(ordered) // 100))))
    return ordered[rank - 1]


async def measure(
    args: argparse.Namespace,
    base_url: str,
    reports: list[tuple[str, str]],
    server: Server | None,
    backlog: Backlog,
    created: DrainMark,
) -> dict[str, Any]:
    ws_base = "ws" + base_url[4:]
    subscribers = Subscribers()
    stop = asyncio.Event()
    opening = asyncio.Semaphore(args.connect_concurrency)
    tasks = [
        asyncio.ensure_future(subscribers.run_one(ws_base, rid, token, stop, opening))
        for rid, token in reports
    ]
    deadline = time.monotonic() + 120
    while subscribers.connected + sum(subscribers.failed.values()) < len(reports):
        if time.monotonic() > deadline:
            break
        await asyncio.sleep(0.2)
    # Each socket first replays its history (created, in_progress): let that settle.
    await asyncio.sleep(2.0)
    loop = asyncio.get_running_loop()
    # The reports' own fan-out (created here before the server started) is done before the
    # changes begin, so the workers' CPU from here on is the changes' alone, and no late
    # "created" push is taken for an unexpected message.
    _, left = await loop.run_in_executor(
        None,
        lambda: backlog.wait(created, timeout=args.fanout_timeout, outbox=True, photos=False),
    )
    if left:
        log(f"the reports' own fan-out: {left}")
    log(
        f"{subscribers.connected} sockets open ({dict(subscribers.failed) or 'no failures'}); "
        f"committing {args.rate:g} changes/s for {args.duration:g} s"
    )
    replayed = {key for key in subscribers.received}

    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    mark = backlog.mark()
    cpu_start = server.cpu_snapshot() if server is not None else None
    start_at = time.time() + 3.0  # the child needs a moment for django.setup()
    committer = context.Process(
        target=commit_loop,
        args=([rid for rid, _ in reports], args.rate, args.duration, start_at, queue),
        daemon=True,
    )
    committer.start()
    commits: dict[tuple[str, int], float] = {}
    while True:
        item = await loop.run_in_executor(None, queue.get)
        if item is None:
            break
        report_id, seq, committed = item
        commits[(report_id, seq)] = committed
    committer.join(timeout=30)
    first, last = min(commits.values()), max(commits.values())
    # Receivers keep running on the loop while this thread polls.
    drained_at, not_drained = await loop.run_in_executor(
        None,
        lambda: backlog.wait(mark, timeout=args.fanout_timeout, outbox=True, photos=False),
    )
    cpu_end = server.cpu_snapshot() if server is not None else None
    cpu = (
        procstat.delta(cpu_start, cpu_end)
        if cpu_start is not None and cpu_end is not None
        else None
    )

    def per_change(role: str) -> float | None:
        if cpu is None or not commits:
            return None
        if role == procstat.PG_WEB and not cpu.postgres_seen:
            return None
        return round(cpu.of(role) * 1000 / len(commits), 2)

    # Stragglers: wait until everything committed has arrived, or give up after a while.
    settle = time.monotonic() + args.settle
    while time.monotonic() < settle and any(key not in subscribers.received for key in commits):
        await asyncio.sleep(0.1)
    stop.set()
    await asyncio.gather(*tasks, return_exceptions=True)

    latencies = []
    lost = duplicated = 0
    for key, committed in commits.items():
        arrivals = subscribers.received.get(key)
        if not arrivals:
            lost += 1
            continue
        latencies.append((arrivals[0] - committed) * 1000)
        duplicated += len(arrivals) - 1
    # Replayed history received twice would be a duplicate too.
    duplicated += sum(len(subscribers.received[key]) - 1 for key in replayed if key not in commits)
    unexpected = [key for key in subscribers.received if key not in commits and key not in replayed]
    return {
        "subscribers": len(reports),
        "connected": subscribers.connected,
        "connect_failures": dict(subscribers.failed),
        "closed_by_server": dict(subscribers.closed),
        "changes_committed": len(commits),
        "commit_rate_per_s": round(len(commits) / (last - first), 1) if last > first else None,
        "received": len(latencies),
        "lost": lost,
        "duplicated": duplicated,
        "unexpected": len(unexpected),
        "pings_answered": subscribers.pings,
        "p50_ms": _round(percentile(latencies, 50)),
        "p95_ms": _round(percentile(latencies, 95)),
        "p99_ms": _round(percentile(latencies, 99)),
        "max_ms": _round(max(latencies) if latencies else None),
        # Server CPU from just before the first change until the fan-out of the last drained,
        # per change (bench/procstat.py); None when this script did not start the server.
        "web_cpu_ms_per_change": per_change(procstat.WEB),
        "worker_cpu_ms_per_change": per_change(procstat.WORKER),
        "photo_cpu_ms_per_change": per_change(procstat.PHOTO),
        "postgres_web_cpu_ms_per_change": per_change(procstat.PG_WEB),
        "cpu_processes_vanished": cpu.vanished if cpu is not None else None,
        "drain_s": None if drained_at is None else round(drained_at - last, 2),
        "not_drained": not_drained or None,
    }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def print_summary(result: dict[str, Any], args: argparse.Namespace, server: bool) -> None:
    print()
    print(f"Meldpunt push benchmark against {args.url}")
    print(
        f"machine: nproc={os.cpu_count()}   server: "
        + (
            f"uvicorn --workers {args.workers} + Celery worker (started by this script)"
            if server
            else "already running"
        )
    )
    print(
        f"subscribers: {result['subscribers']} WebSockets, one per report "
        f"({result['connected']} connected, failures {result['connect_failures'] or 0}, "
        f"closed by server {result['closed_by_server'] or 0})"
    )
    print(
        f"changes: {result['changes_committed']} committed at {result['commit_rate_per_s']}/s "
        f"(asked {args.rate:g}/s for {args.duration:g} s)"
    )
    print()
    print("commit -> receipt latency (ms)")
    print(
        f"  p50 {result['p50_ms']}   p95 {result['p95_ms']}   p99 {result['p99_ms']}   "
        f"max {result['max_ms']}"
    )
    print(
        f"  received {result['received']}   lost {result['lost']}   "
        f"duplicated {result['duplicated']}   unexpected {result['unexpected']}"
    )
    print()
    ok = (
        result["p95_ms"] is not None
        and result["p95_ms"] <= TARGET_P95_MS
        and result["lost"] == 0
        and result["duplicated"] == 0
    )
    print(
        f"target: p95 <= {TARGET_P95_MS:.0f} ms, 0 lost, 0 duplicated: "
        + ("PASS" if ok else "MISS")
    )
    print()

    def ms(key: str) -> str:
        return "-" if result[key] is None else f"{result[key]:.2f}"

    print("server CPU per status change (ms), until the fan-out drained")
    print(
        f"  web {ms('web_cpu_ms_per_change')}   worker {ms('worker_cpu_ms_per_change')}   "
        f"photo {ms('photo_cpu_ms_per_change')}   web pg {ms('postgres_web_cpu_ms_per_change')}"
        + ("" if server else "   (only measured on a server this script started)")
    )
    print(
        "  (not counted: the committing process, which stands in for the staff API, and the "
        "workers'\n  PostgreSQL backends, a connection per task, gone before they can be read)"
    )
    if result["cpu_processes_vanished"]:
        print(
            f"  {result['cpu_processes_vanished']} server processes ended in between; "
            "their CPU is not counted"
        )
    drain = result["not_drained"] or f"{result['drain_s']:.2f} s"
    print(f"fan-out drained after the last commit: {drain}")
    print()


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--url", default="http://127.0.0.1:8020", help="server (loopback only)")
    parser.add_argument("--subscribers", type=int, default=1000, help="WebSockets, one per report")
    parser.add_argument("--rate", type=float, default=100.0, help="status changes per second")
    parser.add_argument("--duration", type=float, default=30.0, help="seconds of changes")
    parser.add_argument(
        "--settle", type=float, default=10.0, help="seconds to wait for late arrivals"
    )
    parser.add_argument(
        "--connect-concurrency", type=int, default=50, help="sockets opened at a time"
    )
    parser.add_argument("--start-server", action="store_true", help="start uvicorn + a worker")
    parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", "2")))
    parser.add_argument(
        "--settings", default="backend.config.settings", help="settings for --start-server"
    )
    parser.add_argument(
        "--fanout-timeout",
        type=float,
        default=120.0,
        help="seconds to wait for the fan-out to drain (outbox, queues)",
    )
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    args = parser.parse_args(argv)
    if min(args.subscribers, args.rate, args.duration) <= 0:
        parser.error("subscribers, rate and duration must be positive")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    base_url = loopback_only(args.url)
    with contextlib.suppress(ImportError):
        import uvloop

        uvloop.install()
    backlog = Backlog()
    created = backlog.mark()
    log(f"creating {args.subscribers} reports (in progress) ...")
    reports = create_reports(args.subscribers)
    server = (
        Server(base_url=base_url, workers=args.workers, settings_module=args.settings)
        if args.start_server
        else None
    )
    try:
        if server is not None:
            server.start()
        wait_healthy(base_url, timeout=60.0 if server else 5.0, server=server)
        if server is not None:
            server.wait_workers_ready()
        result = asyncio.run(measure(args, base_url, reports, server, backlog, created))
    finally:
        if server is not None:
            server.stop(remove_uploads=True)
            log(f"server stopped; its log: {server.log_path}")
        backlog.close()
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print_summary(result, args, server is not None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
