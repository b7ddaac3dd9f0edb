"""The ASGI application's HTTP side (backend.config.http) under a real uvicorn server."""

import json
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from django.core import signals

from backend.reports.models import Report
from tests.support.images import jpeg_bytes

pytestmark = pytest.mark.django_db(transaction=True)


def _request(url: str, *, data: bytes | None = None, headers: dict[str, str] | None = None):
    """Through a real socket, as a mobile app would."""
    method = "POST" if data is not None else "GET"
    response = httpx.request(method, url, content=data, headers=headers, timeout=30)
    return response.status_code, response.headers, response.content


def _multipart(fields: dict[str, str], files: list[tuple[str, str, bytes]]) -> tuple[bytes, str]:
    request = httpx.Request(
        "POST",
        "http://unused/",
        data=fields,
        files=[(name, (filename, content, "image/jpeg")) for name, filename, content in files],
    )
    return request.read(), request.headers["Content-Type"]


def test_json_and_multipart_requests_are_served(live_asgi):
    base = f"http://{live_asgi}"
    status, _, body = _request(f"{base}/health/")
    assert status == 200, body

    status, _, body = _request(
        f"{base}/api/v1/public/reports/",
        data=json.dumps({"text": "Lantaarnpaal kapot", "lat": 52.37, "lon": 4.89}).encode(),
        headers={"Content-Type": "application/json"},
    )
    assert status == 201, body
    assert Report.objects.filter(pk=json.loads(body)["id"]).exists()

    payload, content_type = _multipart(
        {"text": "Container vol", "lat": "52.37", "lon": "4.89"},
        [("photos", "a.jpg", jpeg_bytes(1600, 1200))],
    )
    status, _, body = _request(
        f"{base}/api/v1/public/reports/", data=payload, headers={"Content-Type": content_type}
    )
    assert status == 201, body
    assert json.loads(body)["photos_received"] == 1


def test_errors_stay_json(live_asgi):
    status, headers, body = _request(
        f"http://{live_asgi}/api/v1/public/reports/",
        data=b'{"text": ',
        headers={"Content-Type": "application/json"},
    )
    assert status == 400
    assert headers["Content-Type"].startswith("application/json")
    assert json.loads(body)  # DRF's parse error, as JSON


def test_a_static_file_streams_whole(live_asgi, settings):
    # WhiteNoise answers with a streaming FileResponse: the path the handler iterates.
    from django.contrib.staticfiles import finders

    relative = "rest_framework/css/bootstrap.min.css"
    on_disk = Path(finders.find(relative)).read_bytes()
    status, _, body = _request(f"http://{live_asgi}{settings.STATIC_URL}{relative}")
    assert status == 200
    assert body == on_disk


def test_each_request_starts_and_finishes_on_one_worker_thread(live_asgi):
    """request_finished closes the database connection of the thread it runs on, so it must
    run where the view ran; and no request may run on the event loop's thread."""
    seen: list[tuple[str, int]] = []
    lock = threading.Lock()

    def started(**kwargs):
        with lock:
            seen.append(("started", threading.get_ident()))

    def finished(**kwargs):
        with lock:
            seen.append(("finished", threading.get_ident()))

    signals.request_started.connect(started, weak=False)
    signals.request_finished.connect(finished, weak=False)
    try:
        # Concurrent requests: each pool thread serves several, one at a time.
        with ThreadPoolExecutor(8) as pool:
            statuses = list(
                pool.map(lambda _: _request(f"http://{live_asgi}/health/")[0], range(40))
            )
    finally:
        signals.request_started.disconnect(started)
        signals.request_finished.disconnect(finished)
    assert statuses == [200] * 40
    loop_thread = next(t for t in threading.enumerate() if t.name == "uvicorn").ident
    starts = [ident for kind, ident in seen if kind == "started"]
    finishes = [ident for kind, ident in seen if kind == "finished"]
    assert len(starts) == len(finishes) == 40
    assert loop_thread not in starts + finishes
    # A thread finishes exactly as many requests as it started.
    assert sorted(starts) == sorted(finishes)
    # Long-lived workers, not a thread per request.
    assert len(set(starts)) <= 8
