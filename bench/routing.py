"""Routing figures: decision time with the spatial lookup, and the in-memory part alone.

Generates 500 synthetic district polygons of ~200 vertices tiling a region (area type
`bench-district`, replaced on every run) and synthetic rule sets, then measures
- the decision as intake makes it: `areas_containing` (one indexed query over every area,
  the 500 bench districts included) + the in-memory decision, with 1,000 rules, p50/p95;
- the in-memory decision alone at 10, 100, 1,000 and 10,000 rules.

Needs a database of its own (it writes areas), never the shared one:

    DATABASE_URL=postgis://postgres@127.0.0.1:5432/meldpunt_routing_bench \\
        .venv/bin/python bench/routing.py [--samples 2000]
"""

import argparse
import math
import os
import random
import statistics
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.config.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.gis.geos import MultiPolygon, Point, Polygon  # noqa: E402
from django.db import connection  # noqa: E402

from backend.geo.models import Area  # noqa: E402
from backend.geo.selectors import areas_containing  # noqa: E402
from backend.routing.conditions import Facts  # noqa: E402
from backend.routing.engine import CompiledRuleSet, decide  # noqa: E402
from backend.taxonomy.models import Category  # noqa: E402

AREA_TYPE = "bench-district"
COLUMNS, ROWS = 25, 20  # 500 cells
WEST, EAST, SOUTH, NORTH = 4.70, 5.10, 52.28, 52.44
POINTS_PER_EDGE = 50  # 4 edges: ~200 vertices per polygon
ZONE = ZoneInfo(settings.TIME_ZONE)
WORDS = ["boom", "tak", "gevaar", "container", "lekkage", "ratten", "glas", "lawaai", "olie"]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def _wave(t: float, cell: float, amplitude: float) -> float:
    # Zero at every cell corner, so neighbouring cells share the very same wavy edge.
    return amplitude * math.sin(3 * math.pi * t / cell)


def _cell(col: int, row: int) -> Polygon:
    width, height = (EAST - WEST) / COLUMNS, (NORTH - SOUTH) / ROWS
    x0, y0 = WEST + col * width, SOUTH + row * height
    ax, ay = width * 0.08, height * 0.08
    ring = []
    for i in range(POINTS_PER_EDGE):  # south edge, west -> east
        x = x0 + width * i / POINTS_PER_EDGE
        ring.append((x, y0 + _wave(x - WEST, width, ay)))
    for i in range(POINTS_PER_EDGE):  # east edge, south -> north
        y = y0 + height * i / POINTS_PER_EDGE
        ring.append((x0 + width + _wave(y - SOUTH, height, ax), y))
    for i in range(POINTS_PER_EDGE):  # north edge, east -> west
        x = x0 + width - width * i / POINTS_PER_EDGE
        ring.append((x, y0 + height + _wave(x - WEST, width, ay)))
    for i in range(POINTS_PER_EDGE):  # west edge, north -> south
        y = y0 + height - height * i / POINTS_PER_EDGE
        ring.append((x0 + _wave(y - SOUTH, height, ax), y))
    ring.append(ring[0])
    return Polygon(ring, srid=4326)


def districts_create() -> list[str]:
    Area.objects.filter(type=AREA_TYPE).delete()
    areas = [
        Area(
            type=AREA_TYPE,
            code=f"d{col:02}-{row:02}",
            name=f"Bench district {col},{row}",
            geometry=MultiPolygon(_cell(col, row), srid=4326),
        )
        for col in range(COLUMNS)
        for row in range(ROWS)
    ]
    Area.objects.bulk_create(areas, batch_size=100)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE geo_area")
    return [a.code for a in areas]


def rules_generate(count: int, categories: list[str], districts: list[str], rng: random.Random):
    """A municipality's rules grown large: mostly per category and per district."""
    mains = sorted({c.split("/")[0] for c in categories})
    rules = []
    for i in range(count):
        when: dict = {}
        roll = rng.random()
        if roll < 0.85:
            when["category"] = rng.sample(categories, rng.choice([1, 1, 2]))
        elif roll < 0.95:
            when["category"] = [f"{rng.choice(mains)}/*"]
        if rng.random() < 0.9 or "category" not in when:
            when["area"] = {AREA_TYPE: rng.sample(districts, rng.randint(1, 4))}
        if rng.random() < 0.3:
            when["text"] = rng.sample(WORDS, 2)
        if rng.random() < 0.2:
            start = rng.randint(0, 23)
            when["time"] = {"from": f"{start:02}:00", "to": f"{(start + 9) % 24:02}:00"}
        if rng.random() < 0.1:
            when["source"] = ["phone"]
        then: dict = {"assign": {"department": "GRN"}}
        if rng.random() < 0.05:
            then = {"priority": "high", "continue": True}
        rules.append({"id": f"rule-{i}", "when": when, "then": then})
    return CompiledRuleSet.from_files([("bench.yaml", {"version": 1, "rules": rules})], version=1)


def random_point(rng: random.Random) -> Point:
    return Point(rng.uniform(WEST, EAST), rng.uniform(SOUTH, NORTH), srid=4326)


def facts_for(point_areas, category: str, rng: random.Random, start: datetime) -> Facts:
    return Facts(
        category=category,
        default_department="GRN",
        areas=frozenset(f"{a.type}:{a.code}" for a in point_areas),
        text=" ".join(rng.sample(WORDS, 3)) + " bij de ingang van het park",
        source=rng.choice(["app", "app", "web", "phone"]),
        priority="normal",
        at=start + timedelta(minutes=rng.randint(0, 7 * 24 * 60)),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--samples", type=int, default=2000)
    args = parser.parse_args()
    if connection.settings_dict["NAME"] == "meldpunt":
        sys.exit("refusing to write bench areas into the shared `meldpunt` database")
    rng = random.Random(2026)
    categories = list(Category.objects.filter(parent__isnull=False).values_list("path", flat=True))
    if not categories:
        sys.exit("no categories: run `manage.py setup_demo` (or taxonomy load) first")
    districts = districts_create()
    vertices = len(_cell(0, 0).coords[0])
    print(
        f"{len(districts)} bench districts of {vertices} vertices; "
        f"{Area.objects.count()} areas in total"
    )
    start = datetime(2026, 3, 9, tzinfo=ZONE)
    points = [random_point(rng) for _ in range(args.samples)]
    reports = [(p, rng.choice(categories)) for p in points]

    compiled = rules_generate(1000, categories, districts, rng)
    areas_containing(points[0])  # warm the connection and the plan
    total, spatial = [], []
    for point, category in reports:
        t0 = time.perf_counter()
        found = areas_containing(point)
        t1 = time.perf_counter()
        decide(compiled, facts_for(found, category, rng, start), triage_department="KCC", zone=ZONE)
        t2 = time.perf_counter()
        spatial.append((t1 - t0) * 1000)
        total.append((t2 - t0) * 1000)
    print(f"\ndecision incl. spatial lookup, 1,000 rules, {args.samples} reports:")
    print(f"  total   p50 {statistics.median(total):.3f} ms  p95 {percentile(total, 0.95):.3f} ms")
    print(
        f"  spatial p50 {statistics.median(spatial):.3f} ms  p95 {percentile(spatial, 0.95):.3f} ms"
    )

    facts = [facts_for(areas_containing(p), c, rng, start) for p, c in reports]
    print("\nin-memory decision alone:")
    print(f"  {'rules':>6}  {'p50 ms':>8}  {'p95 ms':>8}  {'p95 / p95@10':>12}  {'candidates':>10}")
    base = None
    for count in (10, 100, 1000, 10000):
        compiled = rules_generate(count, categories, districts, random.Random(count))
        times = []
        for f in facts:
            t0 = time.perf_counter()
            decide(compiled, f, triage_department="KCC", zone=ZONE)
            times.append((time.perf_counter() - t0) * 1000)
        candidates = statistics.mean(len(compiled.candidates(f)) for f in facts)
        p95 = percentile(times, 0.95)
        base = base or p95
        print(
            f"  {count:>6}  {statistics.median(times):>8.4f}  {p95:>8.4f}  "
            f"{p95 / base:>12.2f}  {candidates:>10.1f}"
        )
    Area.objects.filter(type=AREA_TYPE).delete()


if __name__ == "__main__":
    main()
