"""Build the demo municipality's address extract, fixtures/addresses/demo.csv.

Run once; the committed CSV is the fixture (`manage.py setup_demo` and the tests' reference
data load it with the same loader as `manage.py load_addresses`). Not official BAG data:
street names of each Amsterdam district, laid out as short straight streets near each
district's reference point (fixtures/areas/README.md), every house checked to lie inside its
district, numbered along the street (odd one side, even the other), a postcode per street.
The Dam is there too, around the Dam square reference point, so the demo's first report has
an address. Deterministic (a fixed seed): running it again writes the same file.

    .venv/bin/python scripts/build_demo_addresses.py
"""

import csv
import json
import math
import random
from pathlib import Path

from django.contrib.gis.geos import GEOSGeometry, Point

ROOT = Path(__file__).resolve().parent.parent
AREAS = ROOT / "fixtures" / "areas" / "districts.geojson"
OUT = ROOT / "fixtures" / "addresses" / "demo.csv"
CITY = "Amsterdam"
# Metres between houses on one side of a street; a degree of latitude is ~111 km.
SPACING_M = 12.0
HOUSES_PER_STREET = 8

# (district code, reference point (lat, lon), first postcode digits, streets)
DISTRICTS = [
    (
        "centrum",
        (52.3731, 4.8926),
        1012,
        ["Damrak", "Warmoesstraat", "Nieuwendijk", "Kalverstraat", "Rokin", "Spuistraat"],
    ),
    (
        "west",
        (52.3800, 4.8500),
        1055,
        [
            "Admiraal de Ruijterweg",
            "Jan Evertsenstraat",
            "Bos en Lommerweg",
            "Hoofdweg",
            "Kinkerstraat",
        ],
    ),
    (
        "nieuw-west",
        (52.3600, 4.8000),
        1067,
        ["Pieter Calandlaan", "Meer en Vaart", "Tussen Meer", "Baden Powellweg", "Osdorperweg"],
    ),
    (
        "zuid",
        (52.3450, 4.8700),
        1077,
        ["Beethovenstraat", "Scheldestraat", "Van Baerlestraat", "Minervalaan", "Churchilllaan"],
    ),
    (
        "oost",
        (52.3600, 4.9400),
        1092,
        ["Linnaeusstraat", "Middenweg", "Dapperstraat", "Javastraat", "Kamerlingh Onneslaan"],
    ),
    (
        "noord",
        (52.3900, 4.9200),
        1031,
        [
            "Buiksloterweg",
            "Meeuwenlaan",
            "Van der Pekstraat",
            "Kamperfoelieweg",
            "Nieuwendammerdijk",
        ],
    ),
    (
        "zuidoost",
        (52.3150, 4.9550),
        1102,
        ["Bijlmerdreef", "Karspeldreef", "Ganzenhoef", "Daalwijkdreef", "Hoogoord"],
    ),
]
DAM = (52.3731, 4.8926)


def _offset(lat: float, lon: float, north_m: float, east_m: float) -> tuple[float, float]:
    return (
        lat + north_m / 111_320,
        lon + east_m / (111_320 * math.cos(math.radians(lat))),
    )


def _street(rng, district, start, bearing, street, postcode, houses):
    """Houses on both sides of a straight street from `start`, those inside the district."""
    rows = []
    dn, de = math.cos(bearing), math.sin(bearing)
    for i in range(houses):
        for side, first in ((1, 1), (-1, 2)):
            along = i * SPACING_M + (SPACING_M / 2 if side < 0 else 0)
            lat, lon = _offset(*start, along * dn + side * 8 * -de, along * de + side * 8 * dn)
            if not district.contains(Point(lon, lat, srid=4326)):
                continue
            number = first + 2 * i
            suffix = rng.choice(["", "", "", "", "A", "B", "1", "2"]) if number % 5 == 0 else ""
            rows.append([street, number, suffix, postcode, CITY, f"{lat:.6f}", f"{lon:.6f}"])
    return rows


def build() -> list[list]:
    rng = random.Random(15)
    shapes = {
        f["properties"]["code"]: GEOSGeometry(json.dumps(f["geometry"]), srid=4326)
        for f in json.loads(AREAS.read_text("utf-8"))["features"]
    }
    rows: list[list] = []
    # The Dam square itself, its numbers around the reference point.
    rows += _street(rng, shapes["centrum"], _offset(*DAM, -40, -30), 0.6, "Dam", "1012JS", 6)
    for code, (lat, lon), digits, streets in DISTRICTS:
        for index, street in enumerate(streets):
            start = _offset(lat, lon, rng.uniform(-600, 600), rng.uniform(-600, 600))
            letters = "".join(rng.choice("ABCDEGHJKLMNPRSTVWXZ") for _ in range(2))
            postcode = f"{digits + index % 3}{letters}"
            rows += _street(
                rng,
                shapes[code],
                start,
                rng.uniform(0, math.pi),
                street,
                postcode,
                HOUSES_PER_STREET,
            )
    return rows


def main() -> None:
    rows = build()
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with OUT.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["street", "number", "suffix", "postcode", "city", "lat", "lon"])
        writer.writerows(rows)
    print(f"{OUT.relative_to(ROOT)}: {len(rows)} addresses")


if __name__ == "__main__":
    main()
