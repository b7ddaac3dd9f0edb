from dataclasses import dataclass

from django.conf import settings
from django.contrib.gis.geos import Point
from django.db import connection

from .models import Area


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


def area_by_label(label: str) -> Area | None:
    """An area by "type:code"."""
    kind, _, code = label.partition(":")
    if not kind or not code:
        return None
    return Area.objects.filter(type=kind, code=code).first()
