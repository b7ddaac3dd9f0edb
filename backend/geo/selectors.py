import json
from dataclasses import dataclass
from math import cos, radians

from django.conf import settings
from django.contrib.gis.geos import Point
from django.db import connection
from django.db.models import QuerySet

from .addresses import address_query_parse, fold
from .models import Address, Area


@dataclass(frozen=True)
class AreaRef:
    id: int
    type: str
    code: str


# Hand-written SQL: the ORM's geometry handling around this query costs far more than the
# query itself, and every intake runs it. Named parameters `lon` and `lat`, so intake can send it
# in one round trip with its other read (reports.selectors.intake_surroundings).
CONTAINING_SQL = """
    SELECT id, type, code FROM geo_area
    WHERE ST_Intersects(geometry, ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326))
"""


def areas_containing(point: Point) -> list[AreaRef]:
    """Every area the point lies in, of every type, in one indexed spatial query."""
    with connection.cursor() as cursor:
        cursor.execute(CONTAINING_SQL, {"lon": point.x, "lat": point.y})
        return area_refs(cursor.fetchall())


def area_refs(rows: list[tuple[int, str, str]]) -> list[AreaRef]:
    """Rows of CONTAINING_SQL as AreaRefs."""
    return [AreaRef(id=row[0], type=row[1], code=row[2]) for row in rows]


def in_service_area(areas: list[AreaRef]) -> bool:
    """The service area is the union of the municipality areas."""
    return any(area.type == settings.SERVICE_AREA_TYPE for area in areas)


# Simplified to about a metre: the outline is a map's background, and a phone loads it.
_OUTLINES_SQL = """
    SELECT type, code, name, ST_AsGeoJSON(ST_SimplifyPreserveTopology(geometry, 0.00001), 6)
    FROM geo_area WHERE %(types)s::text[] IS NULL OR type = ANY(%(types)s)
    ORDER BY ST_Area(geometry) DESC, type, code
"""


def area_outlines(*, types: list[str] | None = None) -> dict:
    """The areas (of the given types; None: all) as a GeoJSON FeatureCollection with their
    type, code and name, largest first (so a smaller one is drawn over it)."""
    with connection.cursor() as cursor:
        cursor.execute(_OUTLINES_SQL, {"types": types})
        rows = cursor.fetchall()
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"type": type_, "code": code, "name": name},
                "geometry": json.loads(geometry),
            }
            for type_, code, name, geometry in rows
        ],
    }


# The nearest address within a distance, as one row of ADDRESS_COLUMNS. Named parameters
# `lon`, `lat`, `address_box` (the distance in degrees of longitude, for the index's first cut)
# and `address_radius` (metres), so intake sends it with its other reads. Materialised: the
# candidates come from the point index alone; the distance on the sphere then decides.
ADDRESS_COLUMNS = ("id", "street", "number", "number_suffix", "postcode", "city")
NEAREST_ADDRESS_SQL = """
    WITH here AS (SELECT ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326) AS point),
    candidates AS MATERIALIZED (
        SELECT ad.id, ad.street, ad.number, ad.number_suffix, ad.postcode, ad.city, ad.point
        FROM geo_address ad, here
        WHERE ST_DWithin(ad.point, here.point, %(address_box)s)
    )
    SELECT c.id, c.street, c.number, c.number_suffix, c.postcode, c.city
    FROM candidates c, here
    WHERE ST_DWithin(c.point::geography, here.point::geography, %(address_radius)s, false)
    ORDER BY ST_Distance(c.point::geography, here.point::geography, false), c.id
    LIMIT 1
"""


def nearest_address_params(point: Point) -> dict[str, float]:
    radius = settings.ADDRESS_NEAREST_MAX_METRES
    return {
        "lon": point.x,
        "lat": point.y,
        # A longitude degree shrinks with cos(latitude).
        "address_box": radius / (111_320 * max(cos(radians(point.y)), 0.01)),
        "address_radius": float(radius),
    }


def address_from_row(row: tuple) -> Address:
    """An Address as stored, from a row of ADDRESS_COLUMNS (without its point)."""
    return Address.from_db(connection.alias, list(ADDRESS_COLUMNS), list(row))


def address_nearest(point: Point) -> Address | None:
    """The loaded address nearest to `point` within settings.ADDRESS_NEAREST_MAX_METRES."""
    with connection.cursor() as cursor:
        cursor.execute(NEAREST_ADDRESS_SQL, nearest_address_params(point))
        row = cursor.fetchone()
    return address_from_row(row) if row else None


def area_by_label(label: str) -> Area | None:
    """An area by "type:code"."""
    kind, _, code = label.partition(":")
    if not kind or not code:
        return None
    return Area.objects.filter(type=kind, code=code).first()


ADDRESS_SEARCH_LIMIT = 10


def address_search(q: str, *, limit: int = ADDRESS_SEARCH_LIMIT) -> list[Address]:
    """Addresses by prefix, in street and number order: "Kerkstr 4" (a street prefix, a house
    number, its addition's first characters), "Kerkstr", or a postcode "1234AB 5" ("1234"
    alone: every postcode of those digits). Each form is one indexed range scan: the street on
    `search` (varchar_pattern_ops), the postcode on the unique constraint's index."""
    query = address_query_parse(q)
    found: QuerySet[Address] = Address.objects.all()
    if query.postcode:
        found = found.filter(postcode__startswith=query.postcode)
    elif query.street:
        found = found.filter(search__startswith=query.street)
    else:
        return []
    if query.number is not None:
        found = found.filter(number=query.number)
    if query.suffix:
        found = found.filter(number_suffix__istartswith=query.suffix)
    return list(found.order_by("street", "number", "number_suffix", "postcode")[:limit])


def address_geocode(text: str) -> Address | None:
    """The loaded address a free-text one names ("Kerkstraat 4A, 1234 AB Demostad"): by its
    street and number (the whole street name and the named city preferred over a prefix), else
    by its postcode and number; None when nothing matches."""
    parts = [p.strip() for p in text.split(",") if p.strip()]
    if not parts:
        return None
    first = address_query_parse(parts[0])
    if first.number is None:
        return None
    rest = fold(" ".join(parts[1:]))
    found = address_search(parts[0], limit=ADDRESS_SEARCH_LIMIT)
    if found:
        return min(
            found,
            key=lambda a: (fold(a.street) != first.street, bool(rest) and fold(a.city) not in rest),
        )
    for part in parts[1:]:
        postcode = part.replace(" ", "")[:6]
        if len(postcode) == 6 and postcode[:4].isdigit():
            by_postcode = address_search(f"{postcode} {first.number}", limit=1)
            if by_postcode:
                return by_postcode[0]
    return None


def address_get(address_id: int) -> Address | None:
    return Address.objects.filter(pk=address_id).first()
