"""A resident's report from the app to the timeline, through the real server, broker and worker."""

import io

import httpx
import pytest
from PIL import Image

from backend.accounts.services import api_token_create, user_create
from backend.config.celery import app as celery_app
from tests.support import images
from tests.support.waiting import eventually
from tests.support.worker import running_worker


@pytest.mark.django_db(transaction=True)
def test_photo_report_to_public_timeline(live_server, settings):
    settings.PUBLIC_BASE_URL = live_server.url
    dispatcher = user_create(username="e2e-dispatcher", role="dispatcher")
    _, key = api_token_create(user=dispatcher, name="e2e")
    staff = {"Authorization": f"Token {key}"}
    photo = images.jpeg_bytes(2400, 1800, gps=(52.3729, 4.8930), camera=True)
    assert images.exif_of(photo)  # the upload really carries GPS and camera data

    with (
        running_worker(celery_app),
        httpx.Client(base_url=live_server.url, timeout=10) as http,
    ):
        # 1. The app sends text and a photo; no lat/lon: the position comes from the photo.
        created = http.post(
            "/api/v1/public/reports/",
            data={
                "text": "Stoeptegels liggen los bij de Dam",
                "category": "wegen-verkeer-straatmeubilair/bestrating",
                "email": "r@example.nl",
                "allow_contact": "true",
            },
            files=[("photos", ("IMG_0001.jpg", photo, "image/jpeg"))],
        )
        assert created.status_code == 201, created.text
        report = created.json()
        assert report["location_source"] == "photo_exif"
        assert report["location"]["lat"] == pytest.approx(52.3729, abs=1e-5)
        public_url = f"/api/v1/public/reports/{report['tracking_token']}/"

        # 2. The worker processes the photo after commit; the request did not wait for it.
        view = eventually(
            lambda: http.get(public_url).json(),
            until=lambda view: view["photos"],
            timeout=30,
            interval=0.1,
            message="photo not processed",
        )
        served = http.get(view["photos"][0]["url"])
        assert served.status_code == 200 and served.headers["content-type"] == "image/jpeg"
        assert images.exif_of(served.content) == {}
        assert not images.has_any_metadata(served.content)
        assert Image.open(io.BytesIO(served.content)).size == (2048, 1536)
        thumb = http.get(view["photos"][0]["thumbnail_url"])
        assert thumb.status_code == 200 and not images.has_any_metadata(thumb.content)

        # 3. A dispatcher assigns it and moves it on.
        staff_url = f"/api/v1/staff/reports/{report['id']}"
        assert (
            http.post(f"{staff_url}/assign/", json={"department": "WEG"}, headers=staff).status_code
            == 200
        )
        moved = http.post(
            f"{staff_url}/transition/",
            headers=staff,
            json={"to": "scheduled", "public_text": "Donderdag komt de stratenmaker."},
        )
        assert moved.status_code == 200
        closed = http.post(
            f"{staff_url}/transition/", headers=staff, json={"to": "closed", "resolution": "fixed"}
        )
        assert closed.status_code == 200

        # 4. The resident's view tells the whole story, and nothing private.
        view = http.get(public_url).json()
    assert view["status"] == "closed"
    assert [(e["status"], e["text"]) for e in view["timeline"]] == [
        ("received", ""),
        ("assigned", ""),
        ("scheduled", "Donderdag komt de stratenmaker."),
        ("closed", ""),
    ]
    assert view["timeline"][-1]["status_text"] == (
        "Uw melding is afgehandeld. Het probleem is opgelost."
    )
    assert [e["seq"] for e in view["timeline"]] == sorted(e["seq"] for e in view["timeline"])
    assert "r@example.nl" not in str(view) and "e2e-dispatcher" not in str(view)
