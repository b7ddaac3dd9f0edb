"""Address figures: loading an extract the size of a large city's, prefix search, and what the
nearest-address lookup adds to intake's one read.

Writes a synthetic BAG-like CSV of N addresses (default 500,000: Amsterdam has about that
many) on a grid over the demo municipality, postcodes 9000-9999 so they never meet real ones,
then measures
- `addresses_load`: records/s for the first load and for the same file again (all unchanged);
- `address_search`: p50/p95 over street prefixes of 2-8 characters, with and without a number;
- intake's read (`intake_surroundings`: areas, possible duplicates, nearest address) at random
  points, p50/p95, with the addresses loaded and with none.
The synthetic addresses are removed at the end.

Needs a database of its own (it writes addresses), never the shared one:

    DATABASE_URL=postgis://postgres@127.0.0.1:5432/meldpunt_address_bench \\
        .venv/bin/python manage.py migrate
    DATABASE_URL=... .venv/bin/python bench/addresses.py [--count 500000] [--samples 1000]
"""

import argparse
import csv
import os
import random
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.config.settings")

import django  # noqa: E402

django.setup()

from django.contrib.gis.geos import Point  # noqa: E402

from backend.demo.services import reference_data_load  # noqa: E402
from backend.geo.models import Address  # noqa: E402
from backend.geo.selectors import address_search  # noqa: E402
from backend.geo.services import addresses_load  # noqa: E402
from backend.reports.selectors import intake_surroundings  # noqa: E402
from backend.taxonomy.selectors import category_by_path  # noqa: E402

WEST, EAST, SOUTH, NORTH = 4.80, 5.00, 52.33, 52.41
STREET_WORDS = [
    "Kerk",
    "Molen",
    "School",
    "Dorps",
    "Prinsen",
    "Heren",
    "Linden",
    "Eiken",
    "Berken",
    "Tulp",
    "Roos",
    "Vondel",
    "Rembrandt",
    "Spinoza",
    "Erasmus",
    "Oranje",
]
STREET_KINDS = ["straat", "laan", "weg", "gracht", "plein", "kade", "dijk", "hof"]
PER_STREET = 60


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def street_name(index: int) -> str:
    word = STREET_WORDS[index % len(STREET_WORDS)]
    kind = STREET_KINDS[(index // len(STREET_WORDS)) % len(STREET_KINDS)]
    return f"{word}{kind} {index // (len(STREET_WORDS) * len(STREET_KINDS)) + 1}"


def write_extract(path: Path, count: int, rng: random.Random) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["street", "number", "suffix", "postcode", "city", "lat", "lon"])
        for i in range(count):
            street, number = divmod(i, PER_STREET)
            # One postcode per street (up to 676,000 streets): the key never repeats.
            letters = chr(65 + street // 1000 % 26) + chr(65 + street // 26000 % 26)
            postcode = f"{9000 + street % 1000}{letters}"
            writer.writerow(
                [
                    street_name(street),
                    number + 1,
                    "",
                    postcode,
                    "Benchstad",
                    f"{rng.uniform(SOUTH, NORTH):.6f}",
                    f"{rng.uniform(WEST, EAST):.6f}",
                ]
            )


def timed_ms(call) -> float:
    started = time.perf_counter()
    call()
    return (time.perf_counter() - started) * 1000


def surroundings_ms(samples: int, rng: random.Random) -> tuple[float, float]:
    category = category_by_path("afval/container-is-vol")
    times = [
        timed_ms(
            lambda: intake_surroundings(
                location=Point(rng.uniform(WEST, EAST), rng.uniform(SOUTH, NORTH), srid=4326),
                category_id=category.pk if category else None,
            )
        )
        for _ in range(samples)
    ]
    return percentile(times, 0.5), percentile(times, 0.95)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=500_000)
    parser.add_argument("--samples", type=int, default=1000)
    args = parser.parse_args()
    rng = random.Random(15)
    reference_data_load()
    synthetic = Address.objects.filter(postcode__gte="9000", postcode__lt="9999ZZZ")
    synthetic.delete()

    p50, p95 = surroundings_ms(args.samples, rng)
    print(f"intake read without synthetic addresses: p50 {p50:.2f} ms, p95 {p95:.2f} ms")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "extract.csv"
        write_extract(path, args.count, rng)
        for run in ("first load", "same file again"):
            started = time.perf_counter()
            result = addresses_load(source=path)
            seconds = time.perf_counter() - started
            print(
                f"{run}: {args.count:,} records in {seconds:.1f} s = {args.count / seconds:,.0f}/s"
                f" (created {result.created:,}, updated {result.updated:,},"
                f" unchanged {result.unchanged:,}, bad {len(result.bad)})"
            )
    queries = []
    for _ in range(args.samples):
        name = street_name(rng.randrange(args.count // PER_STREET))
        prefix = name[: rng.randint(2, 8)]
        queries.append(prefix if rng.random() < 0.5 else f"{name} {rng.randint(1, PER_STREET)}")
    times = [timed_ms(lambda q=q: address_search(q)) for q in queries]
    print(
        f"address_search ({len(queries)} queries, half street prefixes of 2-8 characters, half"
        f" street + number): p50 {percentile(times, 0.5):.2f} ms,"
        f" p95 {percentile(times, 0.95):.2f} ms"
    )
    p50, p95 = surroundings_ms(args.samples, rng)
    print(f"intake read with {args.count:,} addresses: p50 {p50:.2f} ms, p95 {p95:.2f} ms")
    synthetic.delete()


if __name__ == "__main__":
    main()
