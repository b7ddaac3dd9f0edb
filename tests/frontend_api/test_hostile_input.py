"""Input crafted to break things gets a 400 naming what is wrong, or is cleaned, never a 500
(issue #14, findings 7 and 9)."""

import pytest

from backend.notifications.models import Subscription
from backend.reports.models import Report
from backend.reports.tracking import tracking_token_for
from tests.conftest import DAM
from tests.reports.factories import make_report

pytestmark = pytest.mark.django_db

INTAKE = "/api/v1/public/reports/"


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.parametrize(
    "url",
    ["/api/v1/public/reports/", "/api/v1/public/classify/", "/api/v1/staff/routing/explain/"],
)
def test_json_nested_too_deeply_is_a_400_naming_the_body(url, staff_client, public_client):
    client = staff_client if "/staff/" in url else public_client
    body = '{"text": ' + _nested(5000) + "}"
    before = Report.objects.count()
    response = client.post(url, data=body, content_type="application/json")
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "parse_error" and "nested too deeply" in error["fields"]["body"][0]
    assert Report.objects.count() == before


def test_an_email_address_longer_than_its_column_is_a_400_naming_it(public_client):
    address = "a" * 250 + "@example.nl"  # 261 characters: valid in form, too long to store
    body = {"text": "Lamp kapot", "lat": DAM[0], "lon": DAM[1], "email": address}
    response = public_client.post(INTAKE, body, format="json")
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["email"]
    assert Report.objects.count() == 0


def test_a_follower_address_longer_than_its_column_is_a_400_naming_it(public_client):
    report = make_report()
    response = public_client.post(
        f"/api/v1/public/reports/{tracking_token_for(report.id)}/follow/",
        {"email": "b" * 300 + "@example.nl"},
        format="json",
    )
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["email"]
    assert not Subscription.objects.filter(report=report).exists()


def test_control_and_bidi_characters_are_removed_newlines_and_tabs_kept(public_client):
    text = "Lamp\x1b[31m kapot\x7f\u0085 bij \u202egpj.exe\u202c de brug\r\nnaast\tde bank"
    body = {"text": text, "lat": DAM[0], "lon": DAM[1], "category": "afval/container-is-vol"}
    response = public_client.post(INTAKE, body, format="json")
    assert response.status_code == 201, response.content
    stored = Report.objects.get(pk=response.json()["id"]).text
    assert stored == "Lamp[31m kapot bij gpj.exe de brug\nnaast\tde bank"


def test_text_of_control_characters_only_is_a_400_naming_it(public_client):
    body = {"text": "\x1b\x07\u202e", "lat": DAM[0], "lon": DAM[1]}
    response = public_client.post(INTAKE, body, format="json")
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["text"]
    assert Report.objects.count() == 0
