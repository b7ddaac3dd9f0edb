"""A report's nearest address: found at intake in the same read as its areas, again when
staff move it, shown in every report payload; nothing changes without loaded addresses."""

import pytest
from django.contrib.gis.geos import Point
from rest_framework.test import APIClient

from backend.geo.addresses import address_search_text
from backend.geo.models import Address
from backend.reports.models import Report
from tests.conftest import DAM, NOORD
from tests.contractors.conftest import client_for, offered

pytestmark = pytest.mark.django_db
URL = "/api/v1/public/reports/"
STAFF = "/api/v1/staff/reports/"


@pytest.fixture(autouse=True)
def _no_demo_addresses():
    # The reference data holds the demo extract; each test places the addresses it needs.
    Address.objects.all().delete()


# About 0.00009 degrees of latitude per 10 m.
METRE = 0.000009


def add_address(
    street: str,
    number: int,
    at: tuple[float, float],
    *,
    suffix: str = "",
    postcode: str = "1012JS",
    city: str = "Amsterdam",
) -> Address:
    return Address.objects.create(
        street=street,
        number=number,
        number_suffix=suffix,
        postcode=postcode,
        city=city,
        point=Point(at[1], at[0], srid=4326),
        search=address_search_text(street=street, number=number, suffix=suffix),
    )


def _north_of(at: tuple[float, float], metres: float) -> tuple[float, float]:
    return (at[0] + metres * METRE, at[1])


def test_intake_ties_the_report_to_the_nearest_address_within_reach(public_client, staff_client):
    add_address("Dam", 1, _north_of(DAM, 60), postcode="1012JS")
    near = add_address("Dam", 2, _north_of(DAM, 20), suffix="A", postcode="1012JT")
    response = public_client.post(URL, {"text": "Vol", "lat": DAM[0], "lon": DAM[1]}, format="json")
    assert response.status_code == 201, response.content
    created = response.json()
    expected = {
        "street": "Dam",
        "number": 2,
        "suffix": "A",
        "postcode": "1012JT",
        "city": "Amsterdam",
        "display": "Dam 2A, 1012 JT Amsterdam",
    }
    assert created["address"] == expected
    assert Report.objects.get(pk=created["id"]).address_id == near.pk
    public = public_client.get(f"{URL}{created['tracking_token']}/").json()
    assert public["address"] == expected and public["short_id"] == created["short_id"]
    detail = staff_client.get(f"{STAFF}{created['id']}/").json()
    assert detail["address"] == expected and detail["short_id"] == created["short_id"]
    listed = staff_client.get(STAFF).json()["results"]
    assert [(r["short_id"], r["address"]) for r in listed] == [(created["short_id"], expected)]


def test_an_address_beyond_the_distance_setting_is_not_the_reports(public_client, settings):
    add_address("Dam", 1, _north_of(DAM, 150))
    created = public_client.post(
        URL, {"text": "Vol", "lat": DAM[0], "lon": DAM[1]}, format="json"
    ).json()
    assert created["address"] is None
    settings.ADDRESS_NEAREST_MAX_METRES = 200
    created = public_client.post(
        URL, {"text": "Nog vol", "lat": DAM[0], "lon": DAM[1]}, format="json"
    ).json()
    assert created["address"]["display"] == "Dam 1, 1012 JS Amsterdam"


def test_without_loaded_addresses_every_payload_says_null(public_client, staff_client):
    assert not Address.objects.exists()
    created = public_client.post(
        URL, {"text": "Vol", "lat": DAM[0], "lon": DAM[1]}, format="json"
    ).json()
    assert created["address"] is None and created["short_id"].startswith("M-")
    assert public_client.get(f"{URL}{created['tracking_token']}/").json()["address"] is None
    assert staff_client.get(f"{STAFF}{created['id']}/").json()["address"] is None
    moved = staff_client.patch(
        f"{STAFF}{created['id']}/", {"lat": NOORD[0], "lon": NOORD[1]}, format="json"
    )
    assert moved.status_code == 200 and moved.json()["address"] is None


def test_moving_a_report_finds_the_address_at_its_new_place(public_client, staff_client):
    add_address("Dam", 1, _north_of(DAM, 10))
    add_address("Buiksloterweg", 7, _north_of(NOORD, 10), postcode="1031CC")
    created = public_client.post(
        URL, {"text": "Vol", "lat": DAM[0], "lon": DAM[1]}, format="json"
    ).json()
    assert created["address"]["street"] == "Dam"
    moved = staff_client.patch(
        f"{STAFF}{created['id']}/", {"lat": NOORD[0], "lon": NOORD[1]}, format="json"
    )
    assert moved.status_code == 200, moved.content
    assert moved.json()["address"]["display"] == "Buiksloterweg 7, 1031 CC Amsterdam"
    assert Report.objects.get(pk=created["id"]).address.street == "Buiksloterweg"


def test_a_deleted_address_leaves_the_report_without_one(public_client):
    address = add_address("Dam", 1, _north_of(DAM, 10))
    created = public_client.post(
        URL, {"text": "Vol", "lat": DAM[0], "lon": DAM[1]}, format="json"
    ).json()
    address.delete()
    assert Report.objects.get(pk=created["id"]).address is None


def test_the_contractor_sees_the_short_id_and_address(link_firm, dispatcher):
    add_address("Dam", 3, _north_of(DAM, 5), suffix="2")
    assignment = offered(link_firm, dispatcher)
    data = client_for(link_firm).get(f"/api/v1/contractor/assignments/{assignment.id}/").json()
    assert data["report"]["short_id"] == assignment.report.short_id
    assert data["report"]["address"]["display"] == "Dam 3-2, 1012 JS Amsterdam"
    listed = client_for(link_firm).get("/api/v1/contractor/assignments/").json()["results"]
    assert listed[0]["report"]["address"]["number"] == 3


def test_the_webhook_and_the_link_page_name_them_too(link_firm, dispatcher):
    from backend.contractors.presentation import report_for_contractor
    from backend.contractors.selectors import assignment_get
    from tests.contractors.conftest import sent_link_token

    add_address("Dam", 3, _north_of(DAM, 5))
    assignment = assignment_get(offered(link_firm, dispatcher).id)
    sent = report_for_contractor(assignment.report)
    assert sent["short_id"] == assignment.report.short_id
    assert sent["address"]["display"] == "Dam 3, 1012 JS Amsterdam"
    page = APIClient().get(f"/contractor/link/{sent_link_token(assignment)}/")
    html = page.content.decode()
    assert page.status_code == 200 and assignment.report.short_id in html
    assert "Dam 3, 1012 JS Amsterdam" in html
