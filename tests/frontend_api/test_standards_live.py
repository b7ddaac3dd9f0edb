"""The standards against the running server (uvicorn in a thread, as clients meet it): a
third-party Open311 client from PyPI (georeport) for the read calls, a plain form-encoded POST
as the spec describes it, and one report travelling through all three APIs."""

import uuid

import pytest
import requests
from georeport import GeoReport

from backend.accounts.models import User
from backend.accounts.services import api_token_create, open311_key_create, user_create
from backend.reports.models import Report, ReportEvent
from tests.conftest import DAM

TIMEOUT = 30


@pytest.fixture
def server(live_asgi, settings) -> str:
    settings.PUBLIC_BASE_URL = f"http://{live_asgi}"
    return f"http://{live_asgi}"


def open311_post(server: str, key: str, **fields) -> requests.Response:
    """A POST as the spec describes it: application/x-www-form-urlencoded; charset=utf-8."""
    body = {
        "api_key": key,
        "service_code": "wegen-verkeer-straatmeubilair.gat-in-de-weg",
        "lat": str(DAM[0]),
        "long": str(DAM[1]),
        "description": "Diep gat bij het café, 's nachts gevaarlijk.",
        "email": "fietser@example.org",
        **fields,
    }
    return requests.post(f"{server}/open311/v2/requests.json", data=body, timeout=TIMEOUT)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("output_format", ["json", "xml"])
def test_a_pypi_open311_client_reads_the_live_server(server, output_format):
    _, key = open311_key_create(name="georeport")
    posted = open311_post(server, key)
    assert posted.status_code == 201, posted.text
    assert posted.request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    created = posted.json()[0]

    client = GeoReport(f"{server}/open311/v2", api_key=key, output_format=output_format)
    services = client.get_service_list()
    codes = {s["service_code"] for s in services}
    assert "wegen-verkeer-straatmeubilair.gat-in-de-weg" in codes
    definition = client.get_service_definition("wegen-verkeer-straatmeubilair.gat-in-de-weg")
    assert definition["service_code"] == "wegen-verkeer-straatmeubilair.gat-in-de-weg"

    listed = client.get_service_requests(status="open")
    listed = listed if isinstance(listed, list) else [listed]  # xmltodict: one item, no list
    assert created["service_request_id"] in [r["service_request_id"] for r in listed]
    one = client.get_service_request(created["service_request_id"])
    assert one["service_request_id"] == created["service_request_id"]
    assert one["status"] == "open"
    assert float(one["lat"]) == pytest.approx(DAM[0])
    assert "fietser@example.org" not in str(listed) + str(one)

    # The client raises on the spec's error statuses as it would for any server.
    with pytest.raises(requests.HTTPError) as caught:
        client.get_service_request("M-1999-000001")
    assert caught.value.response.status_code == 404


@pytest.mark.django_db(transaction=True)
def test_form_posts_and_their_errors_on_the_live_server(server):
    _, key = open311_key_create(name="form")
    xml = requests.post(
        f"{server}/open311/v2/requests.xml",
        data={"api_key": key, "service_code": "afval.grofvuil", "lat": DAM[0], "long": DAM[1]},
        timeout=TIMEOUT,
    )
    assert xml.status_code == 201 and xml.headers["Content-Type"].startswith("text/xml")
    assert b"<service_requests><request><service_request_id>M-" in xml.content
    refused = open311_post(server, "wrong-key")
    assert refused.status_code == 403
    assert refused.json()[0]["code"] == 403
    bad = open311_post(server, key, service_code="")
    assert bad.status_code == 400 and "service_code" in bad.json()[0]["description"]
    assert Report.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_one_report_through_open311_staff_and_signalen_with_one_history(server):
    _, open311_key = open311_key_create(name="round-trip")
    dispatcher = user_create(username="rondje", role=User.Role.DISPATCHER)
    _, staff_key = api_token_create(user=dispatcher, name="round trip")
    staff = {"Authorization": f"Token {staff_key}"}

    # 1. An Open311 app files it.
    created = open311_post(server, open311_key).json()[0]
    short_id = created["service_request_id"]
    report_id = uuid.UUID(created["token"])

    # 2. The dispatcher's API sees it, with the contact data the Open311 answer never shows.
    detail = requests.get(
        f"{server}/api/v1/staff/reports/{report_id}/", headers=staff, timeout=TIMEOUT
    )
    assert detail.status_code == 200, detail.text
    assert detail.json()["short_id"] == short_id
    assert detail.json()["source"] == "open311"
    # UTF-8 throughout, as the spec has it.
    assert "café" in Report.objects.get(id=report_id).text

    # 3. Signalen's resident front end reads it by its signal id.
    signal = requests.get(f"{server}/signals/v1/public/signals/{report_id}", timeout=TIMEOUT)
    assert signal.status_code == 200, signal.text
    assert signal.json()["_display"] == short_id
    assert signal.json()["status"]["state"] == "OPEN"

    # 4. The dispatcher closes it in the staff API ...
    moved = requests.post(
        f"{server}/api/v1/staff/reports/{report_id}/transition/",
        json={"to": "closed", "resolution": "fixed", "public_text": "Gat gedicht."},
        headers=staff,
        timeout=TIMEOUT,
    )
    assert moved.status_code == 200, moved.text

    # 5. ... and the Open311 app and Signalen see the new status.
    [request] = requests.get(
        f"{server}/open311/v2/requests/{short_id}.json", timeout=TIMEOUT
    ).json()
    assert request["status"] == "closed"
    [extended] = requests.get(
        f"{server}/open311/v2/requests/{short_id}.json",
        params={"extended_statuses": "true"},
        timeout=TIMEOUT,
    ).json()
    assert extended["status"] == "FIXED"
    signal = requests.get(f"{server}/signals/v1/public/signals/{report_id}", timeout=TIMEOUT)
    assert signal.json()["status"]["state"] == "CLOSED"
    private = requests.get(
        f"{server}/signals/v1/private/signals/{short_id}", headers=staff, timeout=TIMEOUT
    )
    assert private.json()["status"]["state"] == "o"

    # One history, whichever door each step came through: created once, closed once, the
    # sequence unbroken.
    events = requests.get(
        f"{server}/api/v1/staff/reports/{report_id}/events/", headers=staff, timeout=TIMEOUT
    ).json()
    events = events["results"] if isinstance(events, dict) else events
    seqs = [e["seq"] for e in events]
    assert seqs == list(range(1, len(seqs) + 1))
    types = [e["type"] for e in events]
    assert types.count("created") == 1
    closings = [e for e in events if e["type"] == "status_changed"]
    assert [e["public_payload"]["status"] for e in closings] == ["closed"]
    assert ReportEvent.objects.filter(report_id=report_id).count() == len(events)
