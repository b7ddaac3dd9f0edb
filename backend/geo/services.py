from dataclasses import dataclass
from pathlib import Path

from django.contrib.gis.gdal import DataSource, OGRGeometry
from django.contrib.gis.gdal.error import GDALException
from django.contrib.gis.geos import GEOSGeometry, MultiPolygon
from django.db import transaction

from .models import Area


class AreaImportError(Exception):
    pass


@dataclass(frozen=True)
class AreaImportResult:
    created: int
    updated: int


def _as_multipolygon(geometry: OGRGeometry) -> GEOSGeometry:
    geos = GEOSGeometry(geometry.wkb, srid=4326)
    if geos.geom_type == "Polygon":
        geos = MultiPolygon(geos, srid=4326)
    if geos.geom_type != "MultiPolygon":
        raise AreaImportError(f"expected a (multi)polygon, found {geos.geom_type}")
    if not geos.valid:
        # Hand-drawn and reprojected shapes are often slightly invalid; buffer(0) repairs
        # self-touching rings without moving the boundary.
        geos = geos.buffer(0)
        if geos.geom_type == "Polygon":
            geos = MultiPolygon(geos, srid=4326)
    return geos


@transaction.atomic
def area_import(
    *, path: Path, type: str, code_field: str = "code", name_field: str = "name", layer: int = 0
) -> AreaImportResult:
    """Import every feature of an OGR-readable file as areas of one type.

    Reprojects to WGS84 from whatever the file declares (e.g. EPSG:28992, the Dutch RD grid)
    and updates areas with the same (type, code). All or nothing.
    """
    try:
        source = DataSource(str(path))
    except GDALException as exc:
        raise AreaImportError(f"{path}: cannot be read ({exc})") from exc
    ogr_layer = source[layer]
    fields = set(ogr_layer.fields)
    for field in (code_field, name_field):
        if field not in fields:
            raise AreaImportError(
                f"{path}: no field {field!r}; the file has {', '.join(sorted(fields)) or 'none'}"
            )
    if ogr_layer.srs is None:
        raise AreaImportError(f"{path}: the file declares no coordinate reference system")

    created = updated = 0
    seen_codes: set[str] = set()
    for index, feature in enumerate(ogr_layer):
        code = str(feature.get(code_field)).strip()
        name = str(feature.get(name_field)).strip()
        if not code or code in seen_codes:
            raise AreaImportError(f"{path}: feature {index} has an empty or repeated code {code!r}")
        seen_codes.add(code)
        geometry = feature.geom.clone()
        geometry.transform(4326)
        try:
            multipolygon = _as_multipolygon(geometry)
        except AreaImportError as exc:
            raise AreaImportError(f"{path}: feature {code!r}: {exc}") from exc
        _, was_created = Area.objects.update_or_create(
            type=type, code=code, defaults={"name": name, "geometry": multipolygon}
        )
        created += was_created
        updated += not was_created
    return AreaImportResult(created=created, updated=updated)
