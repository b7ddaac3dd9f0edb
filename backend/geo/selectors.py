from dataclasses import dataclass

from django.conf import settings
from django.contrib.gis.geos import Point

from .models import Area


@dataclass(frozen=True)
class AreaRef:
    id: int
    type: str
    code: str


def areas_containing(point: Point) -> list[AreaRef]:
    """Every area the point lies in, of every type, in one indexed spatial query."""
    rows = Area.objects.filter(geometry__intersects=point).values_list("id", "type", "code")
    return [AreaRef(id=row[0], type=row[1], code=row[2]) for row in rows]


def in_service_area(areas: list[AreaRef]) -> bool:
    """The service area is the union of the municipality areas."""
    return any(area.type == settings.SERVICE_AREA_TYPE for area in areas)


def point_in_service_area(point: Point) -> bool:
    return Area.objects.filter(type=settings.SERVICE_AREA_TYPE, geometry__intersects=point).exists()
