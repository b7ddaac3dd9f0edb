"""manage.py load_addresses: a BAG-like CSV or GeoJSON, loaded again without duplicating,
bad records named by their line and skipped; a progress bar and a closing summary."""

import io
import json

import pytest
from django.core.management import CommandError, call_command

from backend.geo.models import Address
from backend.geo.services import addresses_load

pytestmark = pytest.mark.django_db
HEADER = "street,number,suffix,postcode,city,lat,lon\n"


@pytest.fixture(autouse=True)
def _no_demo_addresses():
    # The reference data holds the demo extract; these tests count from nothing.
    Address.objects.all().delete()


def _load(path) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("load_addresses", str(path), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def _figures(summary: str) -> dict[str, int]:
    figures = {}
    for line in summary.splitlines():
        cells = [c.strip() for c in line.strip("│|").split("│") if c.strip()]
        if len(cells) == 2 and cells[1].isdigit():
            figures[cells[0]] = int(cells[1])
    return figures


def test_a_csv_loads_and_loading_it_again_duplicates_nothing(tmp_path):
    path = tmp_path / "bag.csv"
    path.write_text(
        HEADER
        + "Kerkstraat,4,A,1017 gb,Amsterdam,52.3645,4.8890\n"
        + "Kerkstraat,6,,1017GB,Amsterdam,52.3646,4.8892\n"
        + "Dam,1,,1012JS,Amsterdam,52.3727,4.8923\n",
        encoding="utf-8",
    )
    out, err = _load(path)
    assert _figures(out) == {
        "created": 3,
        "updated": 0,
        "unchanged": 0,
        "bad records (skipped)": 0,
    }
    assert "3/3" in err  # the progress bar's last state
    kerk = Address.objects.get(postcode="1017GB", number=4)
    assert (kerk.street, kerk.number_suffix, kerk.search) == ("Kerkstraat", "A", "kerkstraat 4a")
    assert kerk.point.y == pytest.approx(52.3645) and kerk.point.x == pytest.approx(4.8890)

    out, _ = _load(path)
    assert _figures(out)["unchanged"] == 3 and Address.objects.count() == 3

    # an address that moved and one renamed are updated in place
    path.write_text(
        HEADER
        + "Kerkstraat,4,A,1017GB,Amsterdam,52.3650,4.8890\n"
        + "Kerkstraat,6,,1017GB,Amsterdam,52.3646,4.8892\n"
        + "Dam (plein),1,,1012JS,Amsterdam,52.3727,4.8923\n",
        encoding="utf-8",
    )
    out, _ = _load(path)
    assert _figures(out) == {
        "created": 0,
        "updated": 2,
        "unchanged": 1,
        "bad records (skipped)": 0,
    }
    assert Address.objects.count() == 3
    assert Address.objects.get(postcode="1017GB", number=4).point.y == pytest.approx(52.3650)
    assert Address.objects.get(postcode="1012JS").street == "Dam (plein)"


def test_bad_records_are_named_by_line_and_the_good_ones_load(tmp_path):
    path = tmp_path / "bag.csv"
    path.write_text(
        "street;number;suffix;postcode;city;lat;lon\n"  # semicolons, as Dutch exports have
        "Kerkstraat;4;;1017GB;Amsterdam;52.3645;4.8890\n"
        "Kerkstraat;vier;;1017GB;Amsterdam;52.3645;4.8890\n"
        ";5;;1017GB;Amsterdam;52.36;4.88\n"
        "Kerkstraat;8;;1017;Amsterdam;52.36;4.88\n"
        "Kerkstraat;10;;1017GB;Amsterdam;152.36;4.88\n"
        "Kerkstraat;12;;1017GB;Amsterdam;nan;4.88\n"
        "Kerkstraat;4;;1017 GB;Amsterdam;52.3645;4.8890\n"
        "Kerkstraat;14\n"
        "Kerkstraat;16;;1017GB;Amsterdam;52.3647;4.8893\n",
        encoding="utf-8",
    )
    out, err = _load(path)
    assert _figures(out)["created"] == 2 and _figures(out)["bad records (skipped)"] == 7
    for line, what in [
        (3, "number is not a house number: 'vier'"),
        (4, "street is empty"),
        (5, "postcode is not a Dutch postcode"),
        (6, "lat is out of range"),
        (7, "lat is out of range"),
        (8, "the same address as line 2"),
        (9, "2 columns where the header has 7"),
    ]:
        assert f"line {line}: {what}" in err, err
    assert sorted(Address.objects.values_list("number", flat=True)) == [4, 16]


def test_geojson_points_load_too(tmp_path):
    path = tmp_path / "bag.geojson"
    feature = {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [4.8890, 52.3645]},
        "properties": {
            "street": "Kerkstraat",
            "number": 4,
            "suffix": "B",
            "postcode": "1017GB",
            "city": "Amsterdam",
        },
    }
    polygon = {
        "type": "Feature",
        "geometry": {"type": "Polygon", "coordinates": [[[4, 52], [5, 52], [5, 53], [4, 52]]]},
        "properties": feature["properties"],
    }
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [feature, polygon]}))
    result = addresses_load(source=path)
    assert (result.created, len(result.bad)) == (1, 1)
    assert (result.bad[0].where, result.bad[0].message) == (
        "feature 2",
        "the geometry is not a point",
    )
    assert Address.objects.get().display == "Kerkstraat 4B, 1017 GB Amsterdam"
    assert addresses_load(source=path).unchanged == 1


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("street,number,postcode\nDam,1,1012JS\n", "no column city, lat, lon"),
        (b"\xff\xfe\x00bad", "not UTF-8"),
    ],
)
def test_an_unreadable_file_is_refused_whole(tmp_path, content, message):
    path = tmp_path / "bad.csv"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    with pytest.raises(CommandError, match=message):
        _load(path)
    with pytest.raises(CommandError, match="no such file"):
        _load(tmp_path / "missing.csv")
    assert not Address.objects.exists()


def test_the_demo_extract_is_loaded_with_the_reference_data_and_lies_in_the_municipality():
    from backend.demo.services import reference_data_load
    from backend.geo.models import Area

    reference_data_load()
    count = Address.objects.count()
    assert 200 <= count <= 1000
    reference_data_load()
    assert Address.objects.count() == count  # idempotent
    municipality = Area.objects.get(type="municipality").geometry
    outside = [a for a in Address.objects.all() if not municipality.contains(a.point)]
    assert outside == []


def test_load_areas_shows_progress_and_a_summary(tmp_path):
    from backend.demo.services import fixtures_dir

    out, err = io.StringIO(), io.StringIO()
    call_command(
        "load_areas",
        str(fixtures_dir() / "areas" / "districts.geojson"),
        "--type",
        "district",
        stdout=out,
        stderr=err,
    )
    assert _figures(out.getvalue()) == {"created": 0, "updated": 7}
    assert "7/7" in err.getvalue()
