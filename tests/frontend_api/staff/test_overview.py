"""The map (GeoJSON, clustered below street zoom) and the statistics, with the list's filters."""

from datetime import timedelta

import pytest
from django.utils import timezone

from backend.reports.models import Report
from tests.conftest import DAM, NOORD
from tests.reports.factories import make_report

pytestmark = pytest.mark.django_db
MAP = "/api/v1/staff/reports/map/"
STATS = "/api/v1/staff/stats/"
CITY = "4.72,52.27,5.08,52.44"


def test_low_zoom_clusters_with_counts_and_street_zoom_gives_reports(staff_client):
    near_dam = [make_report(at=(DAM[0] + i * 0.0001, DAM[1])) for i in range(3)]
    make_report(at=NOORD)
    body = staff_client.get(MAP, {"bbox": CITY, "zoom": 11}).json()
    assert body["type"] == "FeatureCollection" and body["clustered"] is True
    counts = sorted(f["properties"]["count"] for f in body["features"])
    assert counts == [1, 3]  # the Dam's three in one cell, Noord's apart
    cluster = max(body["features"], key=lambda f: f["properties"]["count"])
    lon, lat = cluster["geometry"]["coordinates"]
    assert cluster["type"] == "Feature" and cluster["geometry"]["type"] == "Point"
    assert abs(lat - (DAM[0] + 0.0001)) < 1e-6 and abs(lon - DAM[1]) < 1e-6  # their mean

    street = staff_client.get(MAP, {"bbox": "4.89,52.372,4.895,52.374", "zoom": 17}).json()
    assert street["clustered"] is False
    assert {f["properties"]["id"] for f in street["features"]} == {str(r.id) for r in near_dam}
    assert all(f["properties"]["count"] == 1 for f in street["features"])
    assert street["features"][0]["properties"]["category"] == "afval/container-is-vol"


def test_the_map_takes_the_lists_filters(staff_client):
    make_report(at=DAM)
    lamp = make_report(at=DAM, category="wegen-verkeer-straatmeubilair/straatverlichting")
    body = staff_client.get(MAP, {"bbox": CITY, "zoom": 17, "department": "OVL"}).json()
    assert [f["properties"]["id"] for f in body["features"]] == [str(lamp.id)]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"zoom": 12}, "bbox"),
        ({"bbox": CITY}, "zoom"),
        ({"bbox": CITY, "zoom": 23}, "zoom"),
        ({"bbox": "5,52,4,53", "zoom": 12}, "bbox"),
        ({"bbox": CITY, "zoom": 12, "status": "lost"}, "status"),
        ({"bbox": CITY, "zoom": 12, "page_size": 5}, "page_size"),
    ],
)
def test_bad_map_requests_are_400s_naming_the_parameter(staff_client, params, field):
    response = staff_client.get(MAP, params)
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]


def test_statistics(staff_client):
    now = timezone.now()
    a, b, c = make_report(at=DAM), make_report(at=DAM), make_report(at=NOORD)
    lamp = make_report(at=NOORD, category="wegen-verkeer-straatmeubilair/straatverlichting")
    # a: closed in 10 hours, by its deadline; b: closed in 30 hours, after it.
    Report.objects.filter(pk=a.pk).update(
        status="closed",
        resolution="fixed",
        created_at=now - timedelta(hours=40),
        deadline=now,
        closed_at=now - timedelta(hours=30),
    )
    Report.objects.filter(pk=b.pk).update(
        status="closed",
        resolution="fixed",
        created_at=now - timedelta(hours=40),
        deadline=now - timedelta(hours=35),
        closed_at=now - timedelta(hours=10),
    )
    body = staff_client.get(STATS).json()
    assert body["total"] == 4
    assert body["by_status"] == {"closed": 2, "received": 2}
    assert body["by_category"] == {
        "afval/container-is-vol": 3,
        "wegen-verkeer-straatmeubilair/straatverlichting": 1,
    }
    assert body["by_department"][lamp.department.code] == 1
    assert body["by_area"] == {"centrum": 2, "noord": 2}
    assert sum(body["by_week"].values()) == 4
    assert body["median_handling_hours"] == 20.0  # of 10 and 30
    assert body["on_time_share"] == 0.5
    filtered = staff_client.get(STATS, {"area": "district:noord"}).json()
    assert filtered["total"] == 2 and filtered["median_handling_hours"] is None
    assert c.id  # (in Noord)
    assert staff_client.get(STATS, {"zoom": "3"}).status_code == 400
