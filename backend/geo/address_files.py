"""Reading a municipal address extract: a BAG-like CSV (columns street, number, suffix,
postcode, city, lat, lon; comma or semicolon) or GeoJSON points with those properties. Each
record comes out with where it is in the file, for the loader to name a bad one."""

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

COLUMNS = ("street", "number", "suffix", "postcode", "city", "lat", "lon")
REQUIRED = ("street", "number", "postcode", "city", "lat", "lon")


class AddressFileError(Exception):
    """The file as a whole cannot be read (as opposed to one bad record in it)."""


@dataclass(frozen=True)
class Record:
    where: str  # "line 12" or "feature 3", as the loader reports it
    fields: dict[str, Any]


@dataclass(frozen=True)
class AddressFile:
    total: int  # records, for a progress bar
    records: Iterator[Record]


def address_file_open(path: Path) -> AddressFile:
    if not path.is_file():
        raise AddressFileError(f"{path}: no such file")
    if path.suffix.lower() in (".geojson", ".json"):
        return _geojson(path)
    return _csv(path)


def _csv(path: Path) -> AddressFile:
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            header = handle.readline()
            total = sum(1 for line in handle if line.strip())
    except UnicodeDecodeError as exc:
        raise AddressFileError(f"{path}: not UTF-8 text ({exc})") from exc
    delimiter = ";" if header.count(";") > header.count(",") else ","
    names = [name.strip().lower() for name in header.strip().split(delimiter)]
    missing = [name for name in REQUIRED if name not in names]
    if missing:
        raise AddressFileError(
            f"{path}: no column {', '.join(missing)}; it has {', '.join(names) or 'none'}"
        )

    def records() -> Iterator[Record]:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle, delimiter=delimiter)
            next(reader)
            for row in reader:
                if not any(cell.strip() for cell in row):
                    continue
                if len(row) != len(names):
                    fields = {"_error": f"{len(row)} columns where the header has {len(names)}"}
                else:
                    fields = {name: cell.strip() for name, cell in zip(names, row, strict=True)}
                yield Record(f"line {reader.line_num}", fields)

    return AddressFile(total=total, records=records())


def _geojson(path: Path) -> AddressFile:
    try:
        data = json.loads(path.read_text("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise AddressFileError(f"{path}: not GeoJSON ({exc})") from exc
    features = data.get("features") if isinstance(data, dict) else None
    if not isinstance(features, list):
        raise AddressFileError(f"{path}: not a GeoJSON FeatureCollection")

    def records() -> Iterator[Record]:
        for index, feature in enumerate(features, start=1):
            yield Record(f"feature {index}", _feature_fields(feature))

    return AddressFile(total=len(features), records=records())


def _feature_fields(feature: Any) -> dict[str, Any]:
    if not isinstance(feature, dict):
        return {"_error": "not a feature"}
    geometry = feature.get("geometry") or {}
    properties = feature.get("properties") or {}
    coordinates = geometry.get("coordinates") if isinstance(geometry, dict) else None
    if (
        not isinstance(geometry, dict)
        or geometry.get("type") != "Point"
        or not isinstance(coordinates, list)
        or len(coordinates) < 2
    ):
        return {"_error": "the geometry is not a point"}
    if not isinstance(properties, dict):
        return {"_error": "the properties are not an object"}
    # RFC 7946: longitude first.
    fields = {name: properties.get(name) for name in COLUMNS[:5]}
    return fields | {"lon": coordinates[0], "lat": coordinates[1]}
