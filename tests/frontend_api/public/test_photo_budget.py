"""Issue #14, finding 6: photos are no cheap denial of service. The request only identifies an
upload, within a pixel budget per photo and per request; the worker decodes, and a photo that
fails there ends failed, visibly, with no file left behind."""

from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from backend.reports.actors import ActorRef
from backend.reports.models import Attachment, Report, ReportEvent
from backend.reports.services import attachment_process, report_transition
from backend.reports.tracking import tracking_token_for
from tests.conftest import DAM, files_under, stored_state
from tests.contractors.conftest import client_for, offered
from tests.reports.factories import make_report
from tests.support import images

pytestmark = pytest.mark.django_db
URL = "/api/v1/public/reports/"
# The issue's attack: 7000x7000 PNGs, 49 MP each, a fraction of a megabyte on the wire.
LARGE = 7000


@pytest.fixture(scope="module")
def large_png() -> bytes:
    return images.large_png_bytes(LARGE, LARGE)


def _photo(data: bytes, name: str = "photo.png", content_type: str = "image/png"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def _report(**overrides):
    body = {"text": "Losse stoeptegels", "lat": DAM[0], "lon": DAM[1]}
    body.update(overrides)
    return body


def _refused(response, field: str) -> list[str]:
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert field in error["fields"], error
    return error["fields"][field]


# --- the pixel budgets, refused in the request ----------------------------------------------


def test_the_issues_request_is_refused_by_the_default_budget_without_decoding(
    public_client, large_png
):
    assert LARGE * LARGE <= settings.PHOTO_MAX_PIXELS  # each photo alone would pass
    before = stored_state()
    data = _report(photos=[_photo(large_png, f"p{i}.png") for i in range(5)])

    with images.decoding_forbidden() as decoded:
        response = public_client.post(URL, data, format="multipart", HTTP_IDEMPOTENCY_KEY="dos-1")

    (message,) = _refused(response, "photos")
    assert "245,000,000 pixels" in message
    assert f"{settings.PHOTO_REQUEST_MAX_PIXELS:,}" in message
    assert decoded == []
    assert stored_state() == before


def test_a_photo_declaring_more_pixels_than_a_photo_may_is_named_by_its_index(public_client):
    before = stored_state()
    bomb = images.png_bomb_bytes(30000, 30000)
    data = _report(photos=[_photo(images.png_bytes(), "ok.png"), _photo(bomb, "bomb.png")])

    with images.decoding_forbidden() as decoded:
        response = public_client.post(URL, data, format="multipart")

    (message,) = _refused(response, "photos.1")
    assert message.startswith("bomb.png:") and "pixels" in message
    assert decoded == []
    assert stored_state() == before


def test_the_request_budget_counts_every_photo_and_is_inclusive(public_client, settings):
    photos = [images.jpeg_bytes(640, 480) for _ in range(3)]
    settings.PHOTO_REQUEST_MAX_PIXELS = 3 * 640 * 480 - 1
    before = stored_state()

    refused = public_client.post(
        URL, _report(photos=[_photo(p, f"{i}.jpg", "image/jpeg") for i, p in enumerate(photos)])
    )

    (message,) = _refused(refused, "photos")
    assert "921,600 pixels" in message and "921,599" in message
    assert stored_state() == before

    settings.PHOTO_REQUEST_MAX_PIXELS = 3 * 640 * 480
    accepted = public_client.post(
        URL, _report(photos=[_photo(p, f"{i}.jpg", "image/jpeg") for i, p in enumerate(photos)])
    )
    assert accepted.status_code == 201, accepted.content
    assert accepted.json()["photos_received"] == 3


@pytest.mark.parametrize(
    ("data", "hint"),
    [
        pytest.param(images.truncated_jpeg_bytes(), "incomplete", id="jpeg-cut-in-its-scan"),
        pytest.param(images.png_bytes(640, 480)[:-200], "incomplete", id="png-cut"),
        pytest.param(images.text_as_jpeg_bytes(), "not a jpeg", id="not-an-image"),
    ],
)
def test_what_cannot_be_identified_is_refused_in_the_request(public_client, data, hint):
    before = stored_state()

    with images.decoding_forbidden() as decoded:
        response = public_client.post(URL, _report(photos=[_photo(data)]), format="multipart")

    (message,) = _refused(response, "photos.0")
    assert hint in message.lower()
    assert decoded == []
    assert stored_state() == before


def test_the_reply_and_the_contractor_share_the_request_budget(
    public_client, settings, link_firm, dispatcher
):
    settings.PHOTO_REQUEST_MAX_PIXELS = 640 * 480
    two = [images.jpeg_bytes(640, 480), images.jpeg_bytes(640, 480)]
    report = make_report()
    report_transition(
        report_id=report.id, actor=ActorRef.staff(None), to="info_requested", public_text="?"
    )
    reply = public_client.post(
        f"{URL}{tracking_token_for(report.id)}/reply/",
        {
            "text": "Hier",
            "photos": [_photo(p, f"{i}.jpg", "image/jpeg") for i, p in enumerate(two)],
        },
        format="multipart",
    )
    _refused(reply, "photos")

    assignment = offered(link_firm, dispatcher)
    contractor = client_for(link_firm)
    url = f"/api/v1/contractor/assignments/{assignment.id}"
    assert contractor.post(f"{url}/accept/").status_code == 200
    complete = contractor.post(
        f"{url}/complete/",
        {
            "note": "Klaar",
            "resolution": "fixed",
            "photos": [_photo(p, f"{i}.jpg", "image/jpeg") for i, p in enumerate(two)],
        },
        format="multipart",
    )
    _refused(complete, "photos")
    assert not Attachment.objects.exists()


# --- accepted on its header; decoded by the worker ------------------------------------------


def test_the_request_identifies_without_decoding_and_the_worker_then_decodes(
    public_client, settings, large_png
):
    settings.PHOTO_REQUEST_MAX_PIXELS = 2 * LARGE * LARGE
    # No lat/lon: the position still comes from the first photo's EXIF, read from its headers.
    phone = images.jpeg_bytes(2400, 1800, gps=(52.3740, 4.8900), camera=True)
    data = {
        "text": "Losse stoeptegels",
        "photos": [
            _photo(phone, "IMG_0001.jpg", "image/jpeg"),
            _photo(large_png, "large.png"),
            _photo(images.webp_bytes(), "x.webp", "image/webp"),
            _photo(images.heic_bytes(), "x.heic", "image/heic"),
        ],
    }

    with images.decoding_forbidden() as decoded:
        response = public_client.post(URL, data, format="multipart")

    assert response.status_code == 201, response.content
    assert decoded == []
    body = response.json()
    assert body["photos_received"] == 4
    assert body["location_source"] == "photo_exif"
    assert body["location"] == {
        "lat": pytest.approx(52.3740, abs=1e-5),
        "lon": pytest.approx(4.8900, abs=1e-5),
    }
    attachments = list(Attachment.objects.order_by("position"))
    assert [a.state for a in attachments] == ["pending"] * 4
    # The worker's part, for the phone's photo: decoded, oriented, stripped, resized.
    processed = attachment_process(attachment_id=attachments[0].id)
    assert processed.state == "ready"
    assert (processed.width, processed.height) == (2048, 1536)
    assert not images.has_any_metadata((Path(settings.MEDIA_ROOT) / processed.file).read_bytes())


def test_pixels_only_decoding_finds_damaged_fail_in_the_worker_visibly_and_leave_no_file(
    public_client, staff_client, django_capture_on_commit_callbacks
):
    corrupt = images.png_with_corrupt_pixels_bytes()
    published_before = files_under(settings.MEDIA_ROOT)

    with images.decoding_forbidden():
        response = public_client.post(URL, _report(photos=[_photo(corrupt)]), format="multipart")

    assert response.status_code == 201, response.content
    attachment = Attachment.objects.get()
    original = Path(settings.PRIVATE_MEDIA_ROOT) / attachment.original_path
    assert attachment.state == "pending" and original.is_file()

    with django_capture_on_commit_callbacks(execute=True):
        failed = attachment_process(attachment_id=attachment.id)

    assert failed.state == "failed" and failed.error.startswith("truncated:")
    assert failed.original_path == "" and failed.file == "" and failed.thumbnail == ""
    assert not original.exists()
    assert not list(original.parent.glob("*"))  # nothing else of this report's kept either
    assert files_under(settings.MEDIA_ROOT) == published_before
    report = Report.objects.get()
    assert report.status == "received"
    event = ReportEvent.objects.get(report=report, type="photo_failed")
    assert event.internal_payload["error"].startswith("truncated:")
    staff_view = staff_client.get(f"/api/v1/staff/reports/{report.id}/").json()
    assert (staff_view["photos_failed"], staff_view["photos_processing"]) == (1, 0)
    resident_view = public_client.get(f"{URL}{response.json()['tracking_token']}/").json()
    assert (resident_view["photos"], resident_view["photos_processing"]) == ([], 0)
