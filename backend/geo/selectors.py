import json
from dataclasses import dataclass
from math import cos, radians

from django.conf import settings
from django.contrib.gis.geos import Point
from django.db import connection

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


# Simplified to about a metre: the outline is a map's background, and a phone loads it.
_OUTLINES_SQL = """
    SELECT type, code, name, ST_AsGeoJSON(ST_SimplifyPreserveTopology(geometry, 0.00001), 6)
    FROM geo_area WHERE type = ANY(%(types)s) ORDER BY type, code
"""


def area_outlines(*, types: list[str]) -> dict:
    """The areas of the given types as a GeoJSON FeatureCollection (type, code and name)."""
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


def service_area_types() -> list[str]:
    return [settings.SERVICE_AREA_TYPE]
