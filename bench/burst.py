"""Fan-out under an intake burst: do the residents' pushes, mails and webhooks keep up?

Against a server this script starts (uvicorn + the Celery workers, as bench/intake.py does):

  - intake: POST /api/v1/public/reports/ at a steady rate (150/s by default) for a while (60 s),
    every report with an e-mail address and consent (so each owes a confirmation mail), a mix
    of texts over several categories, some without a category (classified at intake), the
    rest with the resident's own (the worker records the classifier's suggestion);
  - meanwhile staff close reports (10/s by default, through the real service, in a process of
    its own), each report with an open assignment to a contractor with a webhook, a resident's
    WebSocket open on it and the reporter's e-mail subscription: every close owes a push to the
    socket, a mail, and an `assignment.withdrawn` webhook to the contractor, whose receiver runs
    in this script.

It prints the web's and the workers' CPU per intake report (bench/procstat.py), the drain (from
the last intake response until the outbox, the queues and every running task are done), and
for the closes: commit -> socket p95, commit -> first webhook attempt p95, commit -> mail sent
p95, with how many were lost or duplicated.

    DATABASE_URL=postgis://postgres@127.0.0.1:5432/meldpunt_burst_bench \\
    REDIS_URL=redis://127.0.0.1:6379/11 \\
        .venv/bin/python bench/burst.py --start-server --url http://127.0.0.1:8040

The database must hold the demo reference data and a classifier (`manage.py setup_demo`,
`manage.py classifier train --if-none-active`). The closed reports and the intake's reports
stay in it. Only loopback URLs are accepted; every loop is bounded in count and time.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import multiprocessing
import os
import random
import sys
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench import procstat  # noqa: E402
from bench.intake import (  # noqa: E402
    FULL_PATH,
    RAW_ERRORS,
    Backlog,
    RawClient,
    Server,
    log,
    loopback_only,
    wait_healthy,
)
from bench.push import Subscribers, percentile  # noqa: E402
from bench.smtp_sink import SmtpSink  # noqa: E402

TARGET_SOCKET_P95_MS = 500.0
TARGET_WEBHOOK_P95_S = 5.0
TARGET_DRAIN_S = 60.0
CONTRACTOR_CODE = "bench-webhooks"
WEBHOOK_SECRET = "bench-webhook-secret"  # noqa: S105  (a local receiver's, made up here)
LAT_RANGE = (52.36, 52.38)
LON_RANGE = (4.88, 4.91)
# (category path, text): what residents report most, in their words.
MIX = (
    ("afval/container-is-vol", "De container bij de ingang zit helemaal vol, zakken ernaast."),
    ("afval/grofvuil", "Er staat een oude bank en een matras op de stoep al dagen."),
    ("afval/zwerfafval", "Overal zwerfafval langs het fietspad, blikjes en plastic."),
    ("wegen-verkeer-straatmeubilair/straatverlichting", "De lantaarnpaal doet het niet meer."),
    ("wegen-verkeer-straatmeubilair/verkeersbord", "Verkeersbord is omgereden en ligt op straat."),
    ("schoon/graffiti-wildplak", "Graffiti op de muur van het bushokje."),
    ("openbaar-groen-en-water/water-vervuiling", "Olie op het water in de gracht, het stinkt."),
    ("overlast-in-de-openbare-ruimte/obstakel", "Bouwhekken blokkeren de hele stoep."),
)
# Share of intake reports that name their category (the rest are classified at intake).
WITH_CATEGORY = 0.7


# --- the webhook receiver ------------------------------------------------------------------------


class WebhookReceiver:
    """The contractor's system: a real HTTP server on loopback, answering 200 to everything, and
    noting each delivery's id and arrival time."""

    def __init__(self) -> None:
        self.arrivals: dict[str, list[float]] = {}
        self.by_report: dict[tuple[str, str], str] = {}
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                arrived = time.time()
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")
                try:
                    envelope = json.loads(body)
                    message_id = envelope["id"]
                    report = envelope["data"]["assignment"]["report"]["id"]
                except (ValueError, KeyError, TypeError):
                    return
                with receiver.lock:
                    receiver.arrivals.setdefault(message_id, []).append(arrived)
                    receiver.by_report[(report, envelope["type"])] = message_id

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks/meldpunt"

    def first_arrival(self, report_id: str, type_: str) -> tuple[float | None, int]:
        """(first arrival, deliveries) of the message of this type about this report."""
        with self.lock:
            message = self.by_report.get((report_id, type_))
            arrivals = self.arrivals.get(message, []) if message else []
            return (min(arrivals) if arrivals else None), len(arrivals)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


# --- the reports staff close -------------------------------------------------------------------


def _django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.config.settings")
    import django

    django.setup()


def prepare_reports(count: int, webhook_url: str) -> list[tuple[str, str]]:
    """``count`` reports, each with the reporter's e-mail and an assignment offered to a
    contractor with a webhook: (id, tracking token)."""
    _django()
    from django.contrib.gis.geos import Point

    from backend.accounts.models import User
    from backend.organisations.services import contractor_upsert
    from backend.reports.actors import ActorRef
    from backend.reports.services import report_assign, report_create
    from backend.reports.tracking import tracking_token_for
    from backend.taxonomy.selectors import category_by_path

    contractor, _, _ = contractor_upsert(
        code=CONTRACTOR_CODE,
        name="Bench contractor with a webhook",
        webhook_url=webhook_url,
        webhook_secret=WEBHOOK_SECRET,
    )
    staff = ActorRef.staff(User.objects.filter(role=User.Role.DISPATCHER).first())
    reports = []
    for index in range(count):
        path, text = MIX[index % len(MIX)]
        category = category_by_path(path)
        if category is None:
            raise SystemExit(f"category {path} missing: run `manage.py setup_demo` first")
        report = report_create(
            text=f"{text} (bench burst {index})",
            location=Point(4.89 + (index % 50) * 1e-4, 52.37 + (index // 50) * 1e-5, srid=4326),
            category=category,
            email=f"bewoner{index}@example.nl",
            allow_contact=True,
        ).report
        report_assign(report_id=report.id, actor=staff, contractor=contractor)
        reports.append((str(report.id), tracking_token_for(report.id)))
    return reports


def close_loop(report_ids: list[str], rate: float, start_at: float, out: Any) -> None:
    """Child process: close the reports at ``rate`` per second, as a dispatcher would; puts
    (report_id, seq, commit wall time) on ``out`` for each, then None."""
    _django()
    import uuid

    from django.db import transaction

    from backend.accounts.models import User
    from backend.reports.actors import ActorRef
    from backend.reports.services import report_transition

    staff = ActorRef.staff(User.objects.filter(role=User.Role.DISPATCHER).first())
    while time.time() < start_at:
        time.sleep(0.001)
    for index, report_id in enumerate(report_ids):
        delay = start_at + index / rate - time.time()
        if delay > 0:
            time.sleep(delay)
        committed: list[float] = []
        # The service publishes its change right after commit, before it returns: the commit's
        # moment is taken by a callback registered ahead of that publication (callbacks run in
        # the order they were registered), not when the call returns.
        with transaction.atomic():
            transaction.on_commit(lambda stamp=committed: stamp.append(time.time()))
            report = report_transition(
                report_id=uuid.UUID(report_id),
                actor=staff,
                to="closed",
                resolution="fixed",
                public_text="Opgelost.",
            )
        out.put((report_id, report.last_event_seq, committed[0]))
    out.put(None)


# --- the intake burst ----------------------------------------------------------------------------


class Intake:
    def __init__(self) -> None:
        self.sent = 0
        self.created = 0
        self.errors: Counter[str] = Counter()
        self.first_error: str | None = None
        self.latencies_ms: list[float] = []
        self.finished_at = 0.0


def intake_body(rng: random.Random, index: int) -> bytes:
    path, text = rng.choice(MIX)
    body: dict[str, Any] = {
        "text": text,
        "lat": round(rng.uniform(*LAT_RANGE), 6),
        "lon": round(rng.uniform(*LON_RANGE), 6),
        "email": f"burst{index}-{rng.getrandbits(32):08x}@example.nl",
        "allow_contact": True,
    }
    if rng.random() < WITH_CATEGORY:
        body["category"] = path
    return json.dumps(body).encode()


async def intake_burst(
    base_url: str, rate: float, duration: float, start_at: float, max_in_flight: int
) -> Intake:
    """Open loop: request i goes at start + i / rate (or as soon as one of ``max_in_flight``
    slots frees up, when the server falls behind)."""
    client = RawClient(base_url, 60.0)
    result = Intake()
    slots = asyncio.Semaphore(max_in_flight)
    rng = random.Random(14)
    total = int(rate * duration)

    async def one(index: int) -> None:
        try:
            started = time.perf_counter()
            try:
                response = await client.post(FULL_PATH, intake_body(rng, index), "application/json")
            except RAW_ERRORS as exc:
                result.errors[type(exc).__name__] += 1
                result.first_error = result.first_error or f"{type(exc).__name__}: {exc}"
                return
            if response.status_code == 201:
                result.created += 1
                result.latencies_ms.append((time.perf_counter() - started) * 1000)
            else:
                result.errors[f"HTTP {response.status_code}"] += 1
                result.first_error = result.first_error or (
                    f"HTTP {response.status_code}: {response.text[:300]}"
                )
        finally:
            slots.release()

    await asyncio.sleep(max(0.0, start_at - time.time()))
    tasks = []
    for index in range(total):
        delay = start_at + index / rate - time.time()
        if delay > 0:
            await asyncio.sleep(delay)
        await slots.acquire()
        result.sent += 1
        tasks.append(asyncio.ensure_future(one(index)))
    await asyncio.gather(*tasks)
    result.finished_at = time.time()
    return result


# --- the measurement -----------------------------------------------------------------------------


def mails_sent(keys: list[tuple[str, int]]) -> dict[tuple[str, int], tuple[str, float | None]]:
    """(report, seq) -> (state, sent_at as wall time) of the reporter's mail about that event."""
    from bench.intake import db_connect

    out: dict[tuple[str, int], tuple[str, float | None]] = {}
    with db_connect() as conn:
        rows = conn.execute(
            "SELECT e.report_id::text, e.seq, d.state, extract(epoch FROM d.sent_at)"
            " FROM notifications_maildelivery d JOIN reports_reportevent e ON e.id = d.event_id"
            " WHERE e.report_id = ANY(%s::uuid[])",
            [sorted({report for report, _ in keys})],
        ).fetchall()
    for report, seq, state, sent in rows:
        out[(report, seq)] = (state, float(sent) if sent is not None else None)
    return out


def intake_mails(since_wall: float) -> dict[str, int]:
    """The confirmation mails owed for reports created since then, by delivery state."""
    from bench.intake import db_connect

    with db_connect() as conn:
        rows = conn.execute(
            "SELECT coalesce(d.state, 'missing'), count(*) FROM reports_report r"
            " JOIN reports_reportevent e ON e.report_id = r.id AND e.type = 'created'"
            " LEFT JOIN notifications_maildelivery d ON d.event_id = e.id"
            " WHERE r.created_at >= to_timestamp(%s) AND r.reporter_email LIKE 'burst%%'"
            " GROUP BY 1",
            [since_wall],
        ).fetchall()
    return {state: int(n) for state, n in rows}


async def measure(
    args: argparse.Namespace,
    base_url: str,
    reports: list[tuple[str, str]],
    server: Server | None,
    backlog: Backlog,
    receiver: WebhookReceiver,
) -> dict[str, Any]:
    loop = asyncio.get_running_loop()
    ws_base = "ws" + (server.socket_base_url if server is not None else base_url)[4:]
    subscribers = Subscribers()
    stop = asyncio.Event()
    opening = asyncio.Semaphore(50)
    sockets = [
        asyncio.ensure_future(subscribers.run_one(ws_base, rid, token, stop, opening))
        for rid, token in reports
    ]
    deadline = time.monotonic() + 120
    while subscribers.connected + sum(subscribers.failed.values()) < len(reports):
        if time.monotonic() > deadline:
            break
        await asyncio.sleep(0.2)
    await asyncio.sleep(2.0)  # each socket replays its history first
    replayed = set(subscribers.received)
    log(
        f"{subscribers.connected} sockets open ({dict(subscribers.failed) or 'no failures'}); "
        f"intake {args.rate:g}/s for {args.duration:g} s with {args.changes:g} closes/s"
    )

    mark = backlog.mark()
    cpu_start = server.cpu_snapshot() if server is not None else None
    start_at = time.time() + 3.0  # the closing process needs a moment for django.setup()
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    closer = context.Process(
        target=close_loop,
        args=([rid for rid, _ in reports], args.changes, start_at, queue),
        daemon=True,
    )
    closer.start()
    burst = asyncio.ensure_future(
        intake_burst(base_url, args.rate, args.duration, start_at, args.max_in_flight)
    )
    commits: dict[tuple[str, int], float] = {}
    while True:
        item = await loop.run_in_executor(None, queue.get)
        if item is None:
            break
        report_id, seq, committed = item
        commits[(report_id, seq)] = committed
    closer.join(timeout=30)
    intake = await burst
    log(
        f"burst over: {intake.created} reports created of {intake.sent} sent "
        f"({dict(intake.errors) or 'no errors'}), {len(commits)} closes; waiting for the drain"
    )
    drained_at, not_drained = await loop.run_in_executor(
        None,
        lambda: backlog.wait(mark, timeout=args.fanout_timeout, outbox=True, photos=False),
    )
    cpu_end = server.cpu_snapshot() if server is not None else None
    cpu = procstat.delta(cpu_start, cpu_end) if cpu_start and cpu_end else None

    # Late arrivals (a webhook's first attempt after the drain is impossible, but a socket
    # message may still be on its way): wait a little.
    settle = time.monotonic() + args.settle
    while time.monotonic() < settle and any(k not in subscribers.received for k in commits):
        await asyncio.sleep(0.1)
    stop.set()
    await asyncio.gather(*sockets, return_exceptions=True)

    socket_ms, webhook_s, mail_s = [], [], []
    lost: Counter[str] = Counter()
    duplicated: Counter[str] = Counter()
    mails = await loop.run_in_executor(None, mails_sent, list(commits))
    for key, committed in commits.items():
        report_id, _ = key
        arrivals = subscribers.received.get(key)
        if arrivals:
            socket_ms.append((arrivals[0] - committed) * 1000)
            duplicated["socket"] += len(arrivals) - 1
        else:
            lost["socket"] += 1
        first, deliveries = receiver.first_arrival(report_id, "assignment.withdrawn")
        if first is None:
            lost["webhook"] += 1
        else:
            webhook_s.append(first - committed)
            duplicated["webhook"] += deliveries - 1
        state, sent = mails.get(key, ("missing", None))
        if state == "sent" and sent is not None:
            mail_s.append(sent - committed)
        else:
            lost["mail"] += 1
    duplicated["socket"] += sum(len(subscribers.received[k]) - 1 for k in replayed)
    # Every other webhook (the offers, before the burst) arrived once too.
    duplicated["webhook (any)"] = sum(len(a) - 1 for a in receiver.arrivals.values())
    owed = await loop.run_in_executor(None, intake_mails, start_at - 5)

    def per_report(role: str) -> float | None:
        if cpu is None or not intake.created:
            return None
        return round(cpu.of(role) * 1000 / intake.created, 2)

    return {
        "load": os.getloadavg(),
        "intake_sent": intake.sent,
        "intake_created": intake.created,
        "intake_rate_per_s": round(intake.created / args.duration, 1),
        "intake_errors": dict(intake.errors),
        "intake_first_error": intake.first_error,
        "intake_p50_ms": _round(percentile(intake.latencies_ms, 50)),
        "intake_p95_ms": _round(percentile(intake.latencies_ms, 95)),
        "closes": len(commits),
        "sockets_connected": subscribers.connected,
        "socket_p50_ms": _round(percentile(socket_ms, 50)),
        "socket_p95_ms": _round(percentile(socket_ms, 95)),
        "socket_max_ms": _round(max(socket_ms) if socket_ms else None),
        "webhook_p50_s": _round(percentile(webhook_s, 50), 2),
        "webhook_p95_s": _round(percentile(webhook_s, 95), 2),
        "webhook_max_s": _round(max(webhook_s) if webhook_s else None, 2),
        "mail_p50_s": _round(percentile(mail_s, 50), 2),
        "mail_p95_s": _round(percentile(mail_s, 95), 2),
        "mail_max_s": _round(max(mail_s) if mail_s else None, 2),
        "intake_mails": owed,
        "lost": dict(lost),
        "duplicated": dict(duplicated),
        "drain_s": None if drained_at is None else round(drained_at - intake.finished_at, 2),
        "not_drained": not_drained or None,
        "cpu_seconds": None if cpu is None else {k: round(v, 2) for k, v in cpu.seconds.items()},
        "web_cpu_ms_per_report": per_report(procstat.WEB),
        "worker_cpu_ms_per_report": per_report(procstat.WORKER),
        "bookkeeping_cpu_ms_per_report": per_report(procstat.BOOKKEEPING),
        "photo_cpu_ms_per_report": per_report(procstat.PHOTO),
        "cpu_processes_vanished": cpu.vanished if cpu is not None else None,
    }


def _round(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(value, digits)


def print_summary(result: dict[str, Any], args: argparse.Namespace) -> None:
    def f(key: str, unit: str = "") -> str:
        value = result[key]
        return "-" if value is None else f"{value}{unit}"

    load = " ".join(f"{x:.2f}" for x in result["load"])
    print()
    print(f"Meldpunt burst benchmark against {args.url}")
    print(f"machine: nproc={os.cpu_count()}, load average at the end {load}")
    print(
        f"intake: {result['intake_created']} created of {result['intake_sent']} sent "
        f"({result['intake_rate_per_s']}/s, asked {args.rate:g}/s for {args.duration:g} s), "
        f"errors {result['intake_errors'] or 0}; p50 {f('intake_p50_ms')} ms, "
        f"p95 {f('intake_p95_ms')} ms"
    )
    if result["intake_first_error"]:
        print(f"  first error: {result['intake_first_error']}")
    sockets = (
        f"{args.socket_workers} uvicorn process(es) of their own"
        if args.socket_workers
        else "the web processes"
    )
    print(f"sockets served by {sockets}")
    print(
        f"closes: {result['closes']} at {args.changes:g}/s, each with a socket "
        f"({result['sockets_connected']} connected), a mail and a webhook owed"
    )
    print()
    print(
        f"commit -> resident socket   p50 {f('socket_p50_ms')} ms   p95 {f('socket_p95_ms')} ms"
        f"   max {f('socket_max_ms')} ms   (target p95 <= {TARGET_SOCKET_P95_MS:.0f} ms)"
    )
    print(
        f"commit -> webhook 1st try   p50 {f('webhook_p50_s')} s   p95 {f('webhook_p95_s')} s"
        f"   max {f('webhook_max_s')} s   (target p95 <= {TARGET_WEBHOOK_P95_S:.0f} s)"
    )
    print(
        f"commit -> mail sent         p50 {f('mail_p50_s')} s   p95 {f('mail_p95_s')} s"
        f"   max {f('mail_max_s')} s"
    )
    print(f"intake confirmation mails by state: {result['intake_mails']}")
    print(
        f"lost (not arrived when the bench stopped waiting) {result['lost'] or 0}   "
        f"duplicated {result['duplicated'] or 0}"
    )
    drain = result["not_drained"] or f"{result['drain_s']} s"
    print(
        f"backlog drained after the last intake response: {drain} "
        f"(target <= {TARGET_DRAIN_S:.0f} s)"
    )
    print()
    print("server CPU per intake report (ms), from the burst's start until drained")
    print(
        f"  web {f('web_cpu_ms_per_report')}   fan-out worker {f('worker_cpu_ms_per_report')}"
        f"   bookkeeping worker {f('bookkeeping_cpu_ms_per_report')}"
        f"   photo worker {f('photo_cpu_ms_per_report')}"
    )
    print(
        "  (the workers' share includes the closes' fan-out; their PostgreSQL backends are "
        "not counted)"
    )
    print(f"  CPU seconds by role: {result['cpu_seconds']}")
    ok = (
        result["socket_p95_ms"] is not None
        and result["socket_p95_ms"] <= TARGET_SOCKET_P95_MS
        and result["webhook_p95_s"] is not None
        and result["webhook_p95_s"] <= TARGET_WEBHOOK_P95_S
        and result["drain_s"] is not None
        and result["drain_s"] <= TARGET_DRAIN_S
        and not result["lost"]
        and not any(result["duplicated"].values())
    )
    print("targets: " + ("PASS" if ok else "MISS"))
    print()


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--url", default="http://127.0.0.1:8040", help="server (loopback only)")
    parser.add_argument("--rate", type=float, default=150.0, help="intake reports per second")
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of intake")
    parser.add_argument("--changes", type=float, default=10.0, help="staff closes per second")
    parser.add_argument("--max-in-flight", type=int, default=64, help="intake requests at once")
    parser.add_argument(
        "--warmup", type=float, default=5.0, help="seconds of intake at 20/s before measuring"
    )
    parser.add_argument("--settle", type=float, default=10.0, help="seconds for late arrivals")
    parser.add_argument("--start-server", action="store_true", help="start uvicorn + workers")
    parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", "2")))
    parser.add_argument("--settings", default="bench.settings", help="for --start-server")
    parser.add_argument(
        "--socket-workers",
        type=int,
        default=0,
        help="with --start-server: uvicorn processes of their own for the sockets (0: the web's)",
    )
    parser.add_argument(
        "--fanout-timeout", type=float, default=300.0, help="seconds to wait for the drain"
    )
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    args = parser.parse_args(argv)
    if min(args.rate, args.duration, args.changes) <= 0:
        parser.error("rate, duration and changes must be positive")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    base_url = loopback_only(args.url)
    with contextlib.suppress(ImportError):
        import uvloop

        uvloop.install()
    receiver = WebhookReceiver()
    # Mails go to a local SMTP server, as they would to a municipality's relay (the default
    # console backend would spend the worker on printing them).
    sink = SmtpSink().__enter__()
    os.environ.setdefault("EMAIL_URL", sink.url)
    backlog = Backlog()
    count = int(args.changes * args.duration)
    log(f"preparing {count} reports with an assignment to a contractor with a webhook ...")
    prepared = backlog.mark()
    reports = prepare_reports(count, receiver.url)
    server = (
        Server(
            base_url=base_url,
            workers=args.workers,
            settings_module=args.settings,
            socket_workers=args.socket_workers,
        )
        if args.start_server
        else None
    )
    try:
        if server is not None:
            server.start()
        wait_healthy(base_url, timeout=60.0 if server else 5.0, server=server)
        if server is not None:
            server.wait_workers_ready()
        if args.warmup > 0:
            # Every process loads the classifier (and opens its connections) on first use:
            # not part of the burst's cost.
            warm = asyncio.run(intake_burst(base_url, 20.0, args.warmup, time.time(), 16))
            log(f"warm-up: {warm.created} reports created, {dict(warm.errors) or 'no errors'}")
        _, left = backlog.wait(prepared, timeout=args.fanout_timeout, outbox=True, photos=False)
        if left:
            log(f"the prepared reports' own fan-out: {left}")
        log(f"{len(receiver.arrivals)} offers delivered by webhook")
        result = asyncio.run(measure(args, base_url, reports, server, backlog, receiver))
    finally:
        if server is not None:
            server.stop(remove_uploads=True)
            log(f"server stopped; its log: {server.log_path}")
        backlog.close()
        receiver.close()
        log(f"{sink.messages} mails reached the bench's SMTP server")
        sink.__exit__(None, None, None)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print_summary(result, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
