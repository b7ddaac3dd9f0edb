import json
import subprocess

import pytest
from django.contrib.gis.geos import Point
from django.core.management import CommandError, call_command

from backend.geo.models import Area
from backend.geo.selectors import areas_containing, in_service_area
from backend.geo.services import AreaImportError, area_import
from tests.conftest import DAM, HAARLEM, NOORD

pytestmark = pytest.mark.django_db


def _point(lat_lon):
    return Point(lat_lon[1], lat_lon[0], srid=4326)


def test_one_query_finds_every_containing_area(django_assert_num_queries):
    with django_assert_num_queries(1):
        found = areas_containing(_point(DAM))
    kinds = {(a.type, a.code) for a in found}
    assert ("municipality", "0363") in kinds
    assert ("district", "centrum") in kinds
    assert in_service_area(found)


def test_points_outside_the_municipality_are_outside_the_service_area():
    assert areas_containing(_point(HAARLEM)) == []
    assert not in_service_area(areas_containing(_point(HAARLEM)))
    noord = {(a.type, a.code) for a in areas_containing(_point(NOORD))}
    assert ("district", "noord") in noord


def _square(code, name, x0, y0, size):
    ring = [[x0, y0], [x0 + size, y0], [x0 + size, y0 + size], [x0, y0 + size], [x0, y0]]
    return {
        "type": "Feature",
        "properties": {"buurtcode": code, "buurtnaam": name},
        "geometry": {"type": "Polygon", "coordinates": [ring]},
    }


def test_imports_a_dutch_rd_geopackage_reprojecting_to_wgs84(tmp_path):
    # Around the Dam in RD New (EPSG:28992): x 121320, y 487370.
    source = tmp_path / "rd.geojson"
    source.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::28992"}},
                "features": [_square("DAM1", "Dam", 121100, 487200, 400)],
            }
        )
    )
    gpkg = tmp_path / "rd.gpkg"
    subprocess.run(["ogr2ogr", "-f", "GPKG", str(gpkg), str(source)], check=True)

    call_command(
        "load_areas",
        str(gpkg),
        "--type",
        "buurt",
        "--code-field",
        "buurtcode",
        "--name-field",
        "buurtnaam",
    )

    area = Area.objects.get(type="buurt", code="DAM1")
    assert area.name == "Dam"
    assert area.geometry.srid == 4326
    assert area.geometry.contains(_point(DAM))
    # 400 m of RD is about 0.0059 degrees of longitude at this latitude.
    xmin, _, xmax, _ = area.geometry.extent
    assert 0.0055 < xmax - xmin < 0.0062


def test_reimport_updates_areas_with_the_same_type_and_code(tmp_path):
    path = tmp_path / "a.geojson"
    path.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [_square("X", "First name", 4.88, 52.36, 0.01)],
            }
        )
    )
    assert (
        area_import(path=path, type="test", code_field="buurtcode", name_field="buurtnaam").created
        == 1
    )
    path.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [_square("X", "Second name", 4.90, 52.36, 0.01)],
            }
        )
    )
    result = area_import(path=path, type="test", code_field="buurtcode", name_field="buurtnaam")
    assert (result.created, result.updated) == (0, 1)
    area = Area.objects.get(type="test", code="X")
    assert area.name == "Second name"
    assert area.geometry.extent[0] == pytest.approx(4.90)


def test_a_missing_field_is_refused_and_nothing_is_imported(tmp_path):
    path = tmp_path / "a.geojson"
    path.write_text(
        json.dumps(
            {"type": "FeatureCollection", "features": [_square("X", "Name", 4.88, 52.36, 0.01)]}
        )
    )
    with pytest.raises(CommandError, match="no field 'code'"):
        call_command("load_areas", str(path), "--type", "test")
    assert not Area.objects.filter(type="test").exists()


def test_an_unreadable_file_is_refused(tmp_path):
    path = tmp_path / "broken.geojson"
    path.write_text("{not geojson")
    with pytest.raises(AreaImportError):
        area_import(path=path, type="test")
