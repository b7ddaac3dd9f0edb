"""Input crafted to break things gets a 400 naming what is wrong, or is cleaned, never a 500
(issue #14, findings 7 and 9)."""

import json
import socket

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from backend.notifications.models import Subscription
from backend.reports.models import Report
from backend.reports.tracking import tracking_token_for
from tests.conftest import DAM
from tests.reports.factories import make_report
from tests.support import images

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
    response = client.post(
        url, data=body, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en"
    )
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


# --- issue #14, finding 8: errors outside the JSON shape ------------------------------------


def test_an_unknown_host_gets_the_json_error_naming_the_host(public_client):
    response = public_client.get("/api/v1/public/categories/", HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    error = response.json()["error"]
    assert error["code"] == "bad_request" and list(error["fields"]) == ["Host"]


def test_more_parts_than_any_request_takes_is_a_json_400(public_client, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FILES = 3
    files = {f"photos{i}": images.jpeg_bytes() for i in range(4)}
    body = {"text": "Lamp kapot", "lat": str(DAM[0]), "lon": str(DAM[1])}
    body.update(
        {
            name: SimpleUploadedFile(f"{name}.jpg", data, "image/jpeg")
            for name, data in files.items()
        }
    )
    response = public_client.post(INTAKE, body, format="multipart")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "bad_request" and list(error["fields"]) == ["body"]
    assert Report.objects.count() == 0


def test_outside_the_api_a_bad_host_keeps_djangos_page(public_client):
    response = public_client.get("/contractor/link/x/", HTTP_HOST="evil.example")
    assert response.status_code == 400 and "application/json" not in response["Content-Type"]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        (INTAKE, "application/json"),
        # The standards' clients get the refusal in the shape they parse.
        ("/open311/v2/requests.json", "application/x-www-form-urlencoded"),
        ("/signals/v1/public/signals/", "application/json"),
    ],
)
def test_a_body_declared_too_large_is_refused_before_it_is_read(
    live_asgi, settings, path, content_type
):
    host, port = live_asgi.split(":")
    declared = settings.REQUEST_BODY_MAX_BYTES + 1
    with socket.create_connection((host, int(port)), timeout=10) as conn:
        conn.sendall(
            (
                f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                f"Content-Type: {content_type}\r\n"
                f"Content-Length: {declared}\r\n\r\n"
            ).encode()
        )
        # Not a byte of the body sent: the answer must come all the same.
        answer = b""
        while b"\r\n\r\n" not in answer or not answer.rstrip().endswith((b"}", b"]")):
            chunk = conn.recv(65536)
            if not chunk:
                break
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 413"), head
    if path.startswith("/open311/"):
        [entry] = json.loads(body)
        assert entry["code"] == 413 and entry["description"].startswith("body: ")
    elif path.startswith("/signals/"):
        assert list(json.loads(body)) == ["detail"]
    else:
        error = json.loads(body)["error"]
        assert error["code"] == "too_large" and list(error["fields"]) == ["body"]
