import json
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from backend.reports import change as report_change_module
from backend.reports import storage
from backend.reports.models import Attachment, Report
from backend.reports.services import attachment_process
from tests.conftest import DAM, files_under, stored_state
from tests.support import images

pytestmark = pytest.mark.django_db
URL = "/api/v1/public/reports/"


def _photo(data: bytes, name: str = "photo.jpg", content_type: str = "image/jpeg"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def _valid(**overrides):
    body = {
        "text": "De container bij de ingang is vol",
        "lat": DAM[0],
        "lon": DAM[1],
        "category": "afval/container-is-vol",
    }
    body.update(overrides)
    return body


def test_json_report_is_accepted_and_described(public_client):
    response = public_client.post(
        URL, _valid(email="bewoner@example.nl", allow_contact=True), format="json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "received"
    assert body["status_text"] == "Uw melding is ontvangen en wordt bekeken."
    assert body["category"] == {
        "slug": "afval/container-is-vol",
        "main": "afval",
        "name_nl": "Container is vol",
        "name_en": "Container is full",
    }
    assert body["deadline"] and body["possible_duplicates"] == []
    assert body["links"]["self"].endswith(f"/api/v1/public/reports/{body['tracking_token']}/")
    assert body["links"]["websocket"].startswith("ws://")
    assert "bewoner@example.nl" not in response.content.decode()
    report = Report.objects.get(pk=body["id"])
    assert report.reporter_email == "bewoner@example.nl" and report.allow_contact


def test_english_report_without_category_goes_to_triage(public_client):
    response = public_client.post(URL, _valid(category=None, language="en"), format="json")
    assert response.status_code == 201
    body = response.json()
    assert body["category"] is None and body["needs_triage"] is True
    assert body["status_text"] == "Your report has been received and will be reviewed."


def test_multipart_with_photos_stores_raw_files_privately_until_processed(public_client):
    published_before = files_under(settings.MEDIA_ROOT)
    data = _valid(
        photos=[_photo(images.jpeg_bytes()), _photo(images.png_bytes(), "s.png", "image/png")]
    )
    response = public_client.post(URL, data, format="multipart")
    assert response.status_code == 201, response.content
    assert response.json()["photos_received"] == 2
    attachments = list(Attachment.objects.order_by("position"))
    assert [a.original_mime_type for a in attachments] == ["image/jpeg", "image/png"]
    assert all(a.state == "pending" for a in attachments)
    for a in attachments:
        assert (Path(settings.PRIVATE_MEDIA_ROOT) / a.original_path).is_file()
    assert files_under(settings.MEDIA_ROOT) == published_before


def test_location_comes_from_the_first_photo_when_lat_lon_are_missing(public_client):
    data = {"text": "Losse tegels", "photos": [_photo(images.jpeg_bytes(gps=(52.3740, 4.8900)))]}
    response = public_client.post(URL, data, format="multipart")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["location_source"] == "photo_exif"
    assert body["location"] == {
        "lat": pytest.approx(52.3740, abs=1e-5),
        "lon": pytest.approx(4.8900, abs=1e-5),
    }


def test_categories_tree_has_both_languages(public_client):
    response = public_client.get("/api/v1/public/categories/")
    assert response.status_code == 200
    tree = response.json()
    assert [main["slug"] for main in tree][:2] == ["afval", "wegen-verkeer-straatmeubilair"]
    afval = tree[0]
    assert afval["name_en"] == "Waste"
    assert {"slug": "afval/grofvuil", "name_nl": "Grofvuil", "name_en": "Bulky waste"} in afval[
        "sub"
    ]
    assert sum(len(main["sub"]) for main in tree) == 44


def test_possible_duplicates_are_open_same_category_reports_within_50_metres(public_client):
    assert public_client.post(URL, _valid(), format="json").status_code == 201
    # ~150 m north: too far. Another category at the same spot: not a duplicate.
    public_client.post(URL, _valid(lat=DAM[0] + 0.00135), format="json")
    public_client.post(URL, _valid(category="afval/grofvuil"), format="json")
    # ~30 m east of the first one.
    response = public_client.post(URL, _valid(lon=DAM[1] + 0.00044), format="json")
    duplicates = response.json()["possible_duplicates"]
    assert len(duplicates) == 1
    assert 25 < duplicates[0]["distance_m"] < 35
    assert duplicates[0]["category"]["slug"] == "afval/container-is-vol"
    assert set(duplicates[0]) == {
        "category",
        "status",
        "status_text",
        "distance_m",
        "created_at",
        "follow_token",
    }


# --- bad input: a clear 4xx naming the field, and nothing left behind ----------------------

BAD_JSON_CASES = [
    ("missing text", {"lat": DAM[0], "lon": DAM[1]}, "text"),
    ("blank text", _valid(text="   "), "text"),
    ("text over 4000", _valid(text="x" * 4001), "text"),
    ("lat out of range", _valid(lat=95.0), "lat"),
    ("lon out of range", _valid(lon=-200.0), "lon"),
    ("lat not a number", _valid(lat="noord"), "lat"),
    ("only lat", {"text": "x", "lat": DAM[0]}, "lon"),
    ("no location at all", {"text": "x"}, "lat"),
    ("swapped", _valid(lat=DAM[1], lon=DAM[0]), "lat"),
    ("outside the service area", _valid(lat=52.3874, lon=4.6462), "lat"),
    ("unknown category", _valid(category="afval/bestaat-niet"), "category"),
    ("main category only", _valid(category="afval"), "category"),
    ("bad email", _valid(email="not-an-address"), "email"),
    ("unknown language", _valid(language="de"), "language"),
]


@pytest.mark.parametrize(
    ("case", "body", "field"), BAD_JSON_CASES, ids=[c[0] for c in BAD_JSON_CASES]
)
def test_bad_json_input_names_the_field_and_stores_nothing(public_client, case, body, field):
    before = stored_state()
    response = public_client.post(URL, body, format="json")
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert field in error["fields"], error
    assert stored_state() == before


def test_swapped_coordinates_are_called_out(public_client):
    response = public_client.post(
        URL, _valid(lat=DAM[1], lon=DAM[0]), format="json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert "swapped" in response.json()["error"]["fields"]["lat"][0]


def test_malformed_json_is_a_parse_error_naming_the_body(public_client):
    before = stored_state()
    response = public_client.post(URL, '{"text": "kapot", "lat": ', content_type="application/json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "parse_error" and "body" in error["fields"]
    assert stored_state() == before


BAD_PHOTO_CASES = [
    ("text renamed .jpg", [images.text_as_jpeg_bytes()], "photos.0", "not a JPEG"),
    ("truncated jpeg", [images.truncated_jpeg_bytes()], "photos.0", "incomplete"),
    ("decompression bomb", [images.png_bomb_bytes()], "photos.0", "pixels"),
    ("gif", [images.gif_bytes()], "photos.0", ""),
    ("second photo bad", [images.jpeg_bytes(), images.text_as_jpeg_bytes()], "photos.1", ""),
    ("six photos", [images.jpeg_bytes()] * 6, "photos", "At most 5"),
    ("16 MB photo", [images.jpeg_bytes() + b"\0" * (16 * 1024 * 1024)], "photos.0", "15 MB"),
]


@pytest.mark.parametrize(
    ("case", "photos", "field", "hint"), BAD_PHOTO_CASES, ids=[c[0] for c in BAD_PHOTO_CASES]
)
def test_bad_photos_name_the_field_and_store_nothing(public_client, case, photos, field, hint):
    before = stored_state()
    data = _valid(photos=[_photo(p, f"p{i}.jpg") for i, p in enumerate(photos)])
    response = public_client.post(URL, data, format="multipart", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400, response.content
    fields = response.json()["error"]["fields"]
    assert field in fields, fields
    assert hint.lower() in " ".join(fields[field]).lower()
    assert stored_state() == before


def test_a_crash_while_storing_removes_the_files_already_written(public_client, monkeypatch):
    """A failure after the photos were written (here: the statement that stores the report and
    their rows) must not orphan the files."""
    written = []
    real_store = storage.original_store

    def store_and_remember(**kwargs):
        relative = real_store(**kwargs)
        written.append(relative)
        return relative

    def explode(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(storage, "original_store", store_and_remember)
    monkeypatch.setattr(report_change_module, "events_write", explode)
    before = stored_state()
    data = _valid(photos=[_photo(images.jpeg_bytes()), _photo(images.jpeg_bytes())])
    public_client.raise_request_exception = False
    response = public_client.post(URL, data, format="multipart")
    assert response.status_code == 500
    assert len(written) == 2  # the files did reach the disk before the failure
    assert stored_state() == before


# --- idempotency ---------------------------------------------------------------------------


def test_a_retry_with_the_same_key_returns_the_first_response_and_creates_nothing(public_client):
    first = public_client.post(URL, _valid(), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    again = public_client.post(URL, _valid(), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert Report.objects.count() == 1


def test_a_multipart_retry_with_the_same_photo_is_the_same_request(public_client):
    photo = images.jpeg_bytes()
    codes = [
        public_client.post(
            URL, _valid(photos=[_photo(photo)]), format="multipart", HTTP_IDEMPOTENCY_KEY="k-photo"
        ).status_code
        for _ in range(2)
    ]
    assert codes == [201, 201]
    assert Report.objects.count() == 1 and Attachment.objects.count() == 1
    other = public_client.post(
        URL,
        _valid(photos=[_photo(images.png_bytes(), "x.png")]),
        format="multipart",
        HTTP_IDEMPOTENCY_KEY="k-photo",
    )
    assert other.status_code == 422


def test_the_same_key_with_another_body_is_refused(public_client):
    public_client.post(URL, _valid(), format="json", HTTP_IDEMPOTENCY_KEY="k-2")
    before = stored_state()
    response = public_client.post(
        URL, _valid(text="iets anders"), format="json", HTTP_IDEMPOTENCY_KEY="k-2"
    )
    assert response.status_code == 422
    assert "Idempotency-Key" in response.json()["error"]["fields"]
    assert stored_state() == before


def test_an_unusable_idempotency_key_is_a_400(public_client):
    response = public_client.post(URL, _valid(), format="json", HTTP_IDEMPOTENCY_KEY="has space")
    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()["error"]["fields"]


# --- the resident's view -------------------------------------------------------------------


def test_public_view_shows_status_photos_and_timeline_but_nothing_private(
    public_client, staff_client
):
    data = _valid(
        email="geheim@example.nl",
        phone="+31 6 1234 5678",
        allow_contact=True,
        photos=[_photo(images.jpeg_bytes(gps=(52.3731, 4.8926), camera=True))],
    )
    created = public_client.post(URL, data, format="multipart").json()
    attachment_process(attachment_id=Attachment.objects.get().id)
    report_url = f"/api/v1/staff/reports/{created['id']}"
    staff_client.post(
        f"{report_url}/notes/", {"text": "Interne notitie: buurman klaagt"}, format="json"
    )
    staff_client.post(
        f"{report_url}/transition/",
        {"to": "in_progress", "public_text": "We komen morgen langs."},
        format="json",
    )

    response = public_client.get(f"/api/v1/public/reports/{created['tracking_token']}/")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "in_progress"
    assert [(e["seq"], e["status"]) for e in body["timeline"]] == [
        (1, "received"),
        (5, "in_progress"),
    ]
    assert body["timeline"][1]["text"] == "We komen morgen langs."
    assert body["photos"][0]["url"].startswith("http://testserver/media/photos/")
    assert body["photos_processing"] == 0
    raw = json.dumps(body)
    for secret in (
        "geheim@example.nl",
        "1234 5678",
        "Interne notitie",
        "dispatcher",
        created["id"],
    ):
        assert secret not in raw


def test_unknown_tracking_token_is_a_json_404(public_client):
    response = public_client.get("/api/v1/public/reports/not-a-real-token/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
