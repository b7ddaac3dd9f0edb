import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from pathlib import Path
from typing import Any

from django.contrib.gis.gdal import DataSource, OGRGeometry
from django.contrib.gis.gdal.error import GDALException
from django.contrib.gis.geos import GEOSGeometry, MultiPolygon
from django.db import connection, transaction
from django.utils import timezone

from .address_files import AddressFile, Record, address_file_open
from .addresses import address_search_text, postcode_normal
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


def _layer(path: Path, layer: int) -> Any:
    try:
        return DataSource(str(path))[layer]
    except (GDALException, IndexError) as exc:
        raise AreaImportError(f"{path}: cannot be read ({exc})") from exc


def area_feature_count(*, path: Path, layer: int = 0) -> int:
    """How many features the file's layer holds (for a progress bar)."""
    return len(_layer(path, layer))


@transaction.atomic
def area_import(
    *,
    path: Path,
    type: str,
    code_field: str = "code",
    name_field: str = "name",
    layer: int = 0,
    on_progress: Callable[[int], None] | None = None,
) -> AreaImportResult:
    """Import every feature of an OGR-readable file as areas of one type.

    Reprojects to WGS84 from whatever the file declares (e.g. EPSG:28992, the Dutch RD grid)
    and updates areas with the same (type, code). All or nothing. `on_progress` hears of each
    feature imported.
    """
    ogr_layer = _layer(path, layer)
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
        if on_progress:
            on_progress(1)
    # A table of some dozens of rows never reaches autovacuum's threshold for new statistics;
    # without them the planner took a type's areas for one row and joined a million area
    # links to their reports one by one (the statistics by district: 3.9 s instead of 0.4).
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {Area._meta.db_table}")
    return AreaImportResult(created=created, updated=updated)


@dataclass(frozen=True)
class BadRecord:
    where: str  # "line 12", "feature 3"
    message: str


@dataclass
class AddressLoadResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    bad: list[BadRecord] = dataclass_field(default_factory=list)


@dataclass(frozen=True)
class _Address:
    street: str
    number: int
    suffix: str
    postcode: str
    city: str
    lon: float
    lat: float


_POSTCODE = re.compile(r"^\d{4}[A-Z]{2}$")
_BATCH = 1000

# One statement per batch: a row whose postcode, number and addition exist is updated, only
# if something about it differs; `inserted` tells a new row from an updated one (xmax is 0
# for a row this statement inserted).
_UPSERT_SQL = """
    INSERT INTO geo_address (street, number, number_suffix, postcode, city, point, search,
                             updated_at)
    SELECT v.street, v.number, v.suffix, v.postcode, v.city,
           ST_SetSRID(ST_MakePoint(v.lon, v.lat), 4326), v.search, %s
    FROM unnest(%s::text[], %s::int[], %s::text[], %s::text[], %s::text[], %s::float8[],
                %s::float8[], %s::text[])
         AS v(street, number, suffix, postcode, city, lon, lat, search)
    ON CONFLICT (postcode, number, number_suffix) DO UPDATE
        SET street = EXCLUDED.street, city = EXCLUDED.city, point = EXCLUDED.point,
            search = EXCLUDED.search, updated_at = EXCLUDED.updated_at
        WHERE (geo_address.street, geo_address.city, geo_address.search,
               ST_AsBinary(geo_address.point))
              IS DISTINCT FROM
              (EXCLUDED.street, EXCLUDED.city, EXCLUDED.search, ST_AsBinary(EXCLUDED.point))
    RETURNING xmax = 0
"""


@transaction.atomic
def addresses_load(
    *, source: AddressFile | Path, on_progress: Callable[[int], None] | None = None
) -> AddressLoadResult:
    """Load an address extract (address_files.py reads it): a new address is created, a known
    one (same postcode, number and addition) updated where it changed, so loading the same file
    twice changes nothing. A bad record is skipped and reported with its place in the file; the
    good ones load. `on_progress` hears how many records were read since it last heard."""
    file = address_file_open(source) if isinstance(source, Path) else source
    result = AddressLoadResult()
    seen: dict[tuple[str, int, str], str] = {}
    batch: list[_Address] = []
    for record in file.records:
        address = _address_of(record, result, seen)
        if address is not None:
            batch.append(address)
        if len(batch) >= _BATCH:
            _upsert(batch, result)
            batch = []
        if on_progress:
            on_progress(1)
    if batch:
        _upsert(batch, result)
    return result


def _address_of(
    record: Record, result: AddressLoadResult, seen: dict[tuple[str, int, str], str]
) -> _Address | None:
    try:
        address = _parse(record.fields)
    except ValueError as exc:
        result.bad.append(BadRecord(record.where, str(exc)))
        return None
    key = (address.postcode, address.number, address.suffix)
    if key in seen:
        result.bad.append(BadRecord(record.where, f"the same address as {seen[key]}"))
        return None
    seen[key] = record.where
    return address


def _text(fields: dict[str, Any], name: str, *, required: bool, max_length: int) -> str:
    value = fields.get(name)
    text = "" if value is None else str(value).strip()
    if required and not text:
        raise ValueError(f"{name} is empty")
    if len(text) > max_length:
        raise ValueError(f"{name} is longer than {max_length} characters")
    return text


def _coordinate(fields: dict[str, Any], name: str, limit: float) -> float:
    try:
        value = float(fields.get(name))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ValueError(f"{name} is not a number: {fields.get(name)!r}") from None
    if not math.isfinite(value) or abs(value) > limit:
        raise ValueError(f"{name} is out of range: {fields.get(name)!r}")
    return value


def _parse(fields: dict[str, Any]) -> _Address:
    if "_error" in fields:
        raise ValueError(fields["_error"])
    street = _text(fields, "street", required=True, max_length=200)
    raw_number = _text(fields, "number", required=True, max_length=10)
    if not raw_number.isdigit() or not 0 < int(raw_number) < 100_000:
        raise ValueError(f"number is not a house number: {raw_number!r}")
    postcode = postcode_normal(_text(fields, "postcode", required=True, max_length=10))
    if not _POSTCODE.match(postcode):
        raise ValueError(f"postcode is not a Dutch postcode (1234AB): {fields.get('postcode')!r}")
    return _Address(
        street=street,
        number=int(raw_number),
        suffix=_text(fields, "suffix", required=False, max_length=20),
        postcode=postcode,
        city=_text(fields, "city", required=True, max_length=100),
        lat=_coordinate(fields, "lat", 90),
        lon=_coordinate(fields, "lon", 180),
    )


def _upsert(batch: list[_Address], result: AddressLoadResult) -> None:
    columns: list[list[Any]] = [
        [a.street for a in batch],
        [a.number for a in batch],
        [a.suffix for a in batch],
        [a.postcode for a in batch],
        [a.city for a in batch],
        [a.lon for a in batch],
        [a.lat for a in batch],
        [address_search_text(street=a.street, number=a.number, suffix=a.suffix) for a in batch],
    ]
    with connection.cursor() as cursor:
        cursor.execute(_UPSERT_SQL, [timezone.now(), *columns])
        written = [inserted for (inserted,) in cursor.fetchall()]
    result.created += sum(written)
    result.updated += len(written) - sum(written)
    result.unchanged += len(batch) - len(written)
