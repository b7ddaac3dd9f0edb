"""Dispatcher triage at a million reports: list, filters, search, map, statistics, export.

Seeds the database with 1,000,000 reports by COPY (two years, more recent than old, spread
over the categories, the districts, the statuses, sources and priorities as a municipality
sees them; each with its events, some with a staff note, an e-mail address or an address),
unless it already holds them; then, against a running server (or one it starts with
--start-server, as bench/burst.py does), measures p50/p95 of:

  list       the first page of the list, no filter
  queue      area + status (a district's new reports)
  q          full-text search, one word and two
  near       reports within 500 m of a point
  map        a bbox at city zoom (clustered) and at street zoom (points); the totals the
             city-level map and the statistics read are rebuilt meanwhile every
             OVERVIEW_CELLS_SECONDS, as beat does
  stats      the statistics over everything, and over the last 90 days
  export     the CSV export of every report: rows/s and the web process's peak memory
  console    the dispatcher console's pages (issue #16), signed in with a session cookie:
             the queue (no filter, a district's new reports, a search), a report's page,
             the map page and its points at city zoom

and prints them against issue #15's targets: list, filter and search p95 <= 100 ms; map
<= 300 ms; statistics <= 500 ms; export >= 50,000 rows/s with flat memory; every console
page <= 200 ms (issue #16).

    DATABASE_URL=postgis://postgres@127.0.0.1:5432/meldpunt_dispatch_bench \\
    REDIS_URL=redis://127.0.0.1:6379/4 \\
        nice -n 5 .venv/bin/python bench/dispatch.py --start-server --url http://127.0.0.1:8120

Only loopback URLs are accepted; every loop is bounded. Seeding takes a while (a progress bar
shows it) and is done once: a later run measures the same rows.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import logging
import math
import os
import random
import signal
import sys
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import httpx  # noqa: E402

from bench import procstat  # noqa: E402
from bench.intake import Server, log, loopback_only, wait_healthy  # noqa: E402
from bench.push import percentile  # noqa: E402

TARGETS_MS = {"list": 100.0, "map": 300.0, "stats": 500.0, "console": 200.0}
TARGET_EXPORT_ROWS_S = 50_000.0
BATCH = 50_000
DAYS = 730
STAFF_USER = "bench-dispatcher"

# What residents write, by main category; a word or two of it is what dispatchers search for.
TEXTS = {
    "afval": [
        "De container zit helemaal vol, zakken staan ernaast",
        "Grofvuil op de stoep: een oude bank en een matras",
        "Zwerfafval langs het fietspad, blikjes en plastic",
        "The rubbish bin is overflowing again",
        "Vuilniszakken opengescheurd door meeuwen",
    ],
    "wegen-verkeer-straatmeubilair": [
        "De lantaarnpaal doet het niet meer, erg donker",
        "Verkeersbord omgereden, ligt op straat",
        "Losse stoeptegel, iemand is gestruikeld",
        "Gat in het wegdek bij de kruising",
        "Street light flickering all night",
    ],
    "schoon": [
        "Graffiti op de muur van het bushokje",
        "Wildplakken op de elektriciteitskast",
        "Hondenpoep op het speelveld",
    ],
    "openbaar-groen-en-water": [
        "Olie op het water in de gracht, het stinkt",
        "Boom is omgewaaid en blokkeert het pad",
        "Overhangende takken over het fietspad",
        "Fallen tree blocking the canal path",
    ],
    "overlast-in-de-openbare-ruimte": [
        "Bouwhekken blokkeren de hele stoep",
        "Fietswrak al weken aan het hek",
        "Geluidsoverlast van een bouwplaats 's nachts",
    ],
}
EXTRA = [
    "",
    " bij de Kerkstraat",
    " naast de speeltuin",
    " tegenover de supermarkt",
    " bij de bushalte",
    " al drie dagen",
    " near the bridge",
    " bij nummer 12",
]
NOTES = [
    "Bewoner gebeld, ligt er nog steeds",
    "Aannemer ingepland voor volgende week",
    "Dubbele melding, zie eerdere",
    "Gaslucht gemeld door buurman, brandweer ingelicht",
    "Foto bekeken: valt onder beheer van het waterschap",
]
STATUSES_OPEN = [
    ("received", 30),
    ("assigned", 25),
    ("in_progress", 25),
    ("scheduled", 10),
    ("info_requested", 5),
    ("reopened", 5),
]
PRIORITIES = [("normal", 80), ("high", 10), ("low", 10)]
SOURCES = [("app", 55), ("web", 25), ("phone", 12), ("email", 6), ("open311", 2)]
RESOLUTIONS = ["fixed", "fixed", "fixed", "not_found", "not_our_responsibility"]


def _django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.config.settings")
    import django

    django.setup()


def _pick(rng: random.Random, weighted: list[tuple[str, int]]) -> str:
    return rng.choices([v for v, _ in weighted], [w for _, w in weighted])[0]


def _ts(value: datetime) -> str:
    return value.isoformat()


class _Reference:
    """What the rows point at: categories with their departments, districts' centres, users."""

    def __init__(self) -> None:
        from django.db import connection

        from backend.taxonomy.models import Category

        subs = list(Category.objects.filter(parent__isnull=False).select_related("parent"))
        self.categories = [
            (
                c.pk,
                c.path,
                c.department_id or c.parent.department_id,  # type: ignore[union-attr]
                c.sla_hours or (c.sla_working_days or 5) * 24,
            )
            for c in subs
        ]
        # A few categories get most reports, as in any municipality.
        self.category_weights = [max(1, 40 // (index + 1)) for index in range(len(subs))]
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT code, ST_X(ST_PointOnSurface(geometry)), ST_Y(ST_PointOnSurface(geometry))"
                " FROM geo_area WHERE type = 'district' ORDER BY code"
            )
            self.districts = cursor.fetchall()
            cursor.execute("SELECT id FROM geo_address ORDER BY id LIMIT 20000")
            self.addresses = [row[0] for row in cursor.fetchall()]


def _staff_user() -> Any:
    from backend.accounts.models import User
    from backend.accounts.services import user_create

    user = User.objects.filter(username=STAFF_USER).first()
    return user or user_create(username=STAFF_USER, role=User.Role.DISPATCHER)


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\t", " ").replace("\n", " ")


def _batch(
    rng: random.Random, ref: _Reference, start: int, size: int, now: datetime, author: int
) -> tuple[str, str, str, list[str]]:
    """COPY text for `size` reports numbered from `start`, their events and notes."""
    reports, events, notes = io.StringIO(), io.StringIO(), io.StringIO()
    ids: list[str] = []
    for number in range(start, start + size):
        report_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        ids.append(report_id)
        # More reports lately than two years ago: the density grows towards now.
        age = timedelta(days=DAYS * (1 - math.sqrt(rng.random())), seconds=rng.random() * 86400)
        created = now - age
        cat_id, path, department, sla_hours = rng.choices(ref.categories, ref.category_weights)[0]
        _, cx, cy = rng.choice(ref.districts)
        lon, lat = rng.gauss(cx, 0.012), rng.gauss(cy, 0.007)
        old = age > timedelta(days=60)
        roll = rng.random()
        if roll < (0.85 if old else 0.40):
            status = "closed"
        elif roll < (0.93 if old else 0.45):
            status = "cancelled"
        else:
            status = _pick(rng, STATUSES_OPEN)
        deadline = created + timedelta(hours=sla_hours)
        closed_at = None
        if status in ("closed", "cancelled"):
            handling = timedelta(hours=min(rng.lognormvariate(math.log(72), 1.0), 24 * 90))
            closed_at = min(created + handling, now)
        resolution = rng.choice(RESOLUTIONS) if status == "closed" else ""
        text = rng.choice(TEXTS.get(path.split("/")[0], TEXTS["afval"])) + rng.choice(EXTRA)
        email = f"bewoner{number}@example.nl" if rng.random() < 0.3 else ""
        triage = status == "received" and rng.random() < 0.05
        address = rng.choice(ref.addresses) if ref.addresses and rng.random() < 0.3 else None
        seq = 1
        events.write(
            f"{report_id}\t1\tcreated\tt\tresident\t\\N\t"
            f'{{"status": "received"}}\t{{"category": "{path}"}}\t{_ts(created)}\n'
        )
        if status != "received":
            seq = 2
            changed = closed_at or created + timedelta(hours=1)
            events.write(
                f"{report_id}\t2\tstatus_changed\tt\tstaff\t{author}\t"
                f'{{"status": "{status}"}}\t{{"from": "received"}}\t{_ts(changed)}\n'
            )
        if rng.random() < 0.08:
            seq += 1
            note_at = created + timedelta(minutes=30)
            notes.write(f"{report_id}\t{author}\t{_escape(rng.choice(NOTES))}\t{_ts(note_at)}\n")
            events.write(
                f"{report_id}\t{seq}\tnote_added\tf\tstaff\t{author}\t{{}}\t{{}}\t{_ts(note_at)}\n"
            )
        updated = closed_at or created
        token = hashlib.sha256(report_id.encode()).hexdigest()
        reports.write(
            "\t".join(
                [
                    report_id,
                    token,
                    f"M-{created.year}-{number:06d}",
                    f"SRID=4326;POINT({lon:.6f} {lat:.6f})",
                    "resident",
                    _escape(text),
                    str(cat_id),
                    "t" if status != "received" else "f",
                    "f",
                    _pick(rng, PRIORITIES),
                    status,
                    resolution,
                    "",
                    _pick(rng, SOURCES),
                    "nl",
                    email,
                    "",
                    "t" if email else "f",
                    str(department) if department else "\\N",
                    "t" if triage else "f",
                    _ts(deadline),
                    str(seq),
                    _ts(created),
                    _ts(updated),
                    _ts(closed_at) if closed_at else "\\N",
                    str(address) if address else "\\N",
                    "f",
                    # The SLA job's events: both recorded for an ended report, none yet else.
                    "2" if closed_at else "0",
                ]
            )
            + "\n"
        )
    return reports.getvalue(), events.getvalue(), notes.getvalue(), ids


_REPORT_COLUMNS = (
    "id, tracking_token_hash, short_id, location, location_source, text, category_id, "
    "category_verified, suggestion_applied, priority, status, resolution, "
    "status_before_info_request, source, language, reporter_email, reporter_phone, "
    "allow_contact, department_id, needs_triage, deadline, last_event_seq, created_at, "
    "updated_at, closed_at, address_id, assigned_manually, sla_stage"
)
_EVENT_COLUMNS = (
    "report_id, seq, type, is_public, actor_kind, actor_id, public_payload, "
    "internal_payload, created_at"
)


def seed(total: int, seed_value: int) -> None:
    """Fill the database to `total` reports (nothing to do when it holds them)."""
    _django()
    from django.core.management import call_command
    from django.db import connection, transaction
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    from backend.demo.services import reference_data_load
    from backend.geo.models import Area
    from backend.reports.models import Report

    call_command("migrate", verbosity=0)
    if not Area.objects.filter(type="district").exists():
        reference_data_load()
    have = Report.objects.count()
    if have >= total:
        log(f"seed: the database holds {have:,} reports already; measuring those")
        return
    ref = _Reference()
    author = _staff_user().pk
    rng = random.Random(seed_value + have)
    now = datetime.now(UTC)
    started = time.monotonic()
    columns = [BarColumn(), MofNCompleteColumn(), TimeRemainingColumn()]
    with Progress("[bold]seeding reports", *columns) as progress:
        task = progress.add_task("reports", total=total, completed=have)
        while have < total:
            size = min(BATCH, total - have)
            reports, events, notes, ids = _batch(rng, ref, have + 1, size, now, author)
            with transaction.atomic(), connection.cursor() as cursor:
                raw = cursor.cursor
                with raw.copy(f"COPY reports_report ({_REPORT_COLUMNS}) FROM STDIN") as copy:
                    copy.write(reports)
                with raw.copy(f"COPY reports_reportevent ({_EVENT_COLUMNS}) FROM STDIN") as copy:
                    copy.write(events)
                with raw.copy(
                    "COPY reports_note (report_id, author_id, text, created_at) FROM STDIN"
                ) as copy:
                    copy.write(notes)
                # The areas each report lies in, as intake would have linked them.
                cursor.execute(
                    "INSERT INTO reports_report_areas (report_id, area_id) "
                    "SELECT r.id, a.id FROM reports_report r "
                    "JOIN geo_area a ON ST_Intersects(a.geometry, r.location) "
                    "WHERE r.id = ANY(%s::uuid[])",
                    [ids],
                )
            have += size
            progress.update(task, completed=have)
    log("seed: VACUUM ANALYZE (autovacuum may be off on this machine)")
    old_autocommit = connection.get_autocommit()
    connection.set_autocommit(True)
    with connection.cursor() as cursor:
        for table in ("reports_report", "reports_reportevent", "reports_note"):
            cursor.execute(f"VACUUM (ANALYZE) {table}")
        cursor.execute("VACUUM (ANALYZE) reports_report_areas")
        cursor.execute("ANALYZE geo_area")
    connection.set_autocommit(old_autocommit)
    log(f"seed: {total:,} reports in {time.monotonic() - started:.0f} s")


def staff_token() -> str:
    _django()
    from backend.accounts.services import api_token_create

    _, key = api_token_create(user=_staff_user(), name=f"bench {time.strftime('%H%M%S')}")
    return key


SCENARIOS: list[tuple[str, str, str, dict[str, str]]] = [
    # (name, target group, path, params)
    ("list: first page", "list", "/api/v1/staff/reports/", {}),
    (
        "filter: area + status",
        "list",
        "/api/v1/staff/reports/",
        {"area": "district:centrum", "status": "received"},
    ),
    (
        "filter: status + priority, by deadline",
        "list",
        "/api/v1/staff/reports/",
        {"status": "in_progress", "priority": "high", "ordering": "deadline"},
    ),
    ("search: q one word", "list", "/api/v1/staff/reports/", {"q": "lantaarnpaal"}),
    ("search: q two words", "list", "/api/v1/staff/reports/", {"q": "container vol"}),
    ("search: q rare word", "list", "/api/v1/staff/reports/", {"q": "gaslucht"}),
    (
        "search: near 500 m",
        "list",
        "/api/v1/staff/reports/",
        {"near": "52.3731,4.8926", "radius": "500"},
    ),
    (
        "map: city zoom 12",
        "map",
        "/api/v1/staff/reports/map/",
        {"bbox": "4.72,52.27,5.08,52.44", "zoom": "12"},
    ),
    (
        "map: street zoom 17",
        "map",
        "/api/v1/staff/reports/map/",
        {"bbox": "4.889,52.371,4.896,52.375", "zoom": "17"},
    ),
    (
        "map: open, city zoom 13",
        "map",
        "/api/v1/staff/reports/map/",
        {"bbox": "4.80,52.33,4.98,52.41", "zoom": "13", "status": "received,assigned"},
    ),
    ("stats: everything", "stats", "/api/v1/staff/stats/", {}),
    # A date filter is beyond what the overviews' cells keep: the reports themselves.
    (
        "stats: last 90 days",
        "stats",
        "/api/v1/staff/stats/",
        {"created_after": (datetime.now(UTC) - timedelta(days=90)).date().isoformat()},
    ),
]


def console_session() -> tuple[str, str]:
    """A signed-in console session of the bench's dispatcher, as the login form makes one:
    (cookie name, session key)."""
    _django()
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    user = _staff_user()
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return settings.SESSION_COOKIE_NAME, str(store.session_key)


def console_scenarios() -> list[tuple[str, str, str, dict[str, str]]]:
    _django()
    from backend.reports.models import Report

    newest = Report.objects.order_by("-created_at").values_list("id", flat=True).first()
    return [
        ("console: queue", "console", "/console/", {}),
        (
            "console: queue, area + status",
            "console",
            "/console/",
            {"area": "district:centrum", "status": "received"},
        ),
        ("console: queue, search", "console", "/console/", {"q": "container vol"}),
        # The count the queue asks for after showing its rows (the list's reports_count).
        (
            "console: count, area + status",
            "console",
            "/console/aantal/",
            {"area": "district:centrum", "status": "received"},
        ),
        ("console: report page", "console", f"/console/r/{newest}/", {}),
        ("console: map page", "console", "/console/kaart/", {}),
        (
            "console: map points, city zoom 12",
            "console",
            "/console/kaart/punten.json",
            {"bbox": "4.72,52.27,5.08,52.44", "zoom": "12"},
        ),
    ]


class CellsRebuilt:
    """What beat does on a running installation every OVERVIEW_CELLS_SECONDS: the overviews'
    cells counted again (backend/reports/services/overview_cells.py). Here a thread of this script
    does it, from before the first request to the last, so the map is measured as it is served
    and the rebuilds' cost falls on the same machine."""

    def __init__(self) -> None:
        self.stopped = threading.Event()
        self.seconds: list[float] = []
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _rebuild(self) -> None:
        from backend.reports.services.overview_cells import overview_cells_rebuild

        started = time.monotonic()
        overview_cells_rebuild()
        self.seconds.append(time.monotonic() - started)

    def _run(self) -> None:
        from django.conf import settings
        from django.db import connection

        try:
            while not self.stopped.wait(settings.OVERVIEW_CELLS_SECONDS):
                self._rebuild()
        finally:
            connection.close()

    def start(self) -> None:
        from django.conf import settings

        if settings.OVERVIEW_CELLS_SECONDS > 0:
            self._rebuild()
            self.thread.start()

    def stop(self) -> None:
        self.stopped.set()
        if self.thread.is_alive():
            self.thread.join(timeout=120)


def measure(client: httpx.Client, path: str, params: dict[str, str], n: int) -> list[float]:
    for _ in range(3):  # warm: the planner's caches, the pool's connections
        response = client.get(path, params=params)
        if response.status_code != 200:
            raise SystemExit(f"{path} {params}: HTTP {response.status_code} {response.text[:300]}")
    times = []
    for _ in range(n):
        began = time.perf_counter()
        response = client.get(path, params=params)
        times.append((time.perf_counter() - began) * 1000)
        assert response.status_code == 200
    return times


def export(client: httpx.Client, session: int | None) -> dict[str, float]:
    """Stream the whole export; sample the web processes' memory while it runs."""
    peak: dict[int, int] = {}
    first: dict[int, int] = {}
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            if session is not None:
                for pid, role in procstat.roles(session).items():
                    if role == procstat.WEB and (rss := procstat.rss_bytes(pid)):
                        first.setdefault(pid, rss)
                        peak[pid] = max(peak.get(pid, 0), rss)
            stop.wait(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    rows = 0
    began = time.perf_counter()
    time_to_first = None
    with client.stream("GET", "/api/v1/staff/reports/export.csv", timeout=600) as response:
        if response.status_code != 200:
            raise SystemExit(f"export: HTTP {response.status_code}")
        for chunk in response.iter_bytes():
            if time_to_first is None:
                time_to_first = time.perf_counter() - began
            rows += chunk.count(b"\n")
    elapsed = time.perf_counter() - began
    stop.set()
    sampler.join()
    rows -= 1  # the header
    return {
        "rows": rows,
        "seconds": elapsed,
        "rows_per_s": rows / elapsed,
        "first_byte_ms": (time_to_first or 0) * 1000,
        "rss_start_mb": max(first.values(), default=0) / 2**20,
        "rss_peak_mb": max(peak.values(), default=0) / 2**20,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8120")
    parser.add_argument("--start-server", action="store_true")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn workers")
    parser.add_argument("--reports", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--samples", type=int, default=40, help="timed requests per scenario")
    parser.add_argument("--seed-only", action="store_true")
    parser.add_argument("--no-export", action="store_true")
    parser.add_argument(
        "--only", default="", help="comma-separated name prefixes: run only those scenarios"
    )
    args = parser.parse_args(argv)
    base_url = loopback_only(args.url)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # a line per request otherwise
    # A TERM (timeout, Ctrl-C's cousin) still stops the server this script started.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    if not os.environ.get("DATABASE_URL", "").endswith("_bench"):
        raise SystemExit("DATABASE_URL must name a database whose name ends in _bench")
    seed(args.reports, args.seed)
    if args.seed_only:
        return 0
    key = staff_token()
    cookie_name, session_key = console_session()
    console = console_scenarios()
    server = None
    if args.start_server:
        server = Server(base_url=base_url, workers=args.workers, settings_module="bench.settings")
        server.start()
    cells = CellsRebuilt()
    try:
        cells.start()
        wait_healthy(base_url, timeout=240, server=server)
        session = server.processes[0].pid if server else None
        headers = {"Authorization": f"Token {key}"}
        results = []
        with httpx.Client(base_url=base_url, headers=headers, timeout=60, trust_env=False) as c:
            for name, group, path, params in SCENARIOS:
                if not name.startswith(tuple(args.only.split(","))):
                    continue
                times = measure(c, path, params, args.samples)
                results.append((name, group, percentile(times, 50), percentile(times, 95)))
                log(f"{name}: p50 {results[-1][2]:.1f} ms, p95 {results[-1][3]:.1f} ms")
            exported = None if args.no_export else export(c, session)
        cookies = {"Cookie": f"{cookie_name}={session_key}"}
        with httpx.Client(base_url=base_url, headers=cookies, timeout=60, trust_env=False) as c:
            for name, group, path, params in console:
                if not name.startswith(tuple(args.only.split(","))):
                    continue
                times = measure(c, path, params, args.samples)
                results.append((name, group, percentile(times, 50), percentile(times, 95)))
                log(f"{name}: p50 {results[-1][2]:.1f} ms, p95 {results[-1][3]:.1f} ms")
    finally:
        cells.stop()
        if server:
            server.stop(remove_uploads=True)
    print()
    if cells.seconds:
        print(
            f"map cells rebuilt {len(cells.seconds)} times meanwhile (beat's job), "
            f"{max(cells.seconds):.1f} s at most"
        )
    print(f"{'scenario':40} {'p50 ms':>8} {'p95 ms':>8} {'target':>8}  verdict")
    for name, group, p50, p95 in results:
        target = TARGETS_MS[group]
        verdict = "ok" if p95 is not None and p95 <= target else "MISSED"
        print(f"{name:40} {p50:8.1f} {p95:8.1f} {target:8.0f}  {verdict}")
    if exported:
        ok = exported["rows_per_s"] >= TARGET_EXPORT_ROWS_S
        print(
            f"\nexport: {exported['rows']:,.0f} rows in {exported['seconds']:.1f} s = "
            f"{exported['rows_per_s']:,.0f} rows/s (target >= {TARGET_EXPORT_ROWS_S:,.0f}: "
            f"{'ok' if ok else 'MISSED'}); first byte after {exported['first_byte_ms']:.0f} ms; "
            f"web RSS {exported['rss_start_mb']:.0f} MB at start, "
            f"{exported['rss_peak_mb']:.0f} MB at peak"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
