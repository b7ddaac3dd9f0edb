"""GET /api/v1/staff/reports/export.csv: streamed, filtered, headers in the request's language,
contact details only for roles allowed them."""

import csv
import io

import httpx
import pytest
from django.http import StreamingHttpResponse
from rest_framework.test import APIClient

from backend.accounts.services import api_token_create, user_create
from tests.reports.factories import make_report

URL = "/api/v1/staff/reports/export.csv"


def _client(role: str, **kwargs) -> tuple[APIClient, str]:
    user = user_create(username=f"u-{role}-{len(kwargs)}", role=role, **kwargs)
    _, key = api_token_create(user=user, name="t")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client, key


def _rows(response) -> list[list[str]]:
    assert isinstance(response, StreamingHttpResponse)
    text = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(text)))


@pytest.mark.django_db
def test_dutch_or_english_headers_filters_and_contact_only_with_permission(staff_client):
    kept = make_report(
        text="Lantaarnpaal, met komma", email="bewoner@example.nl", allow_contact=True
    )
    make_report(text="container vol")
    dutch = _rows(staff_client.get(URL, {"q": "lantaarnpaal"}))
    assert dutch[0][:3] == ["id", "korte id", "aangemaakt"] and "e-mail" in dutch[0]
    assert len(dutch) == 2 and dutch[1][0] == str(kept.id) and dutch[1][1] == kept.short_id
    assert "Lantaarnpaal, met komma" in dutch[1] and "bewoner@example.nl" in dutch[1]
    english = _rows(staff_client.get(URL, HTTP_ACCEPT_LANGUAGE="en"))
    assert english[0][:3] == ["id", "short id", "created at"] and len(english) == 3

    reader, _ = _client("read_only")
    without = _rows(reader.get(URL, HTTP_ACCEPT_LANGUAGE="en"))
    assert "e-mail" not in without[0] and "phone" not in without[0]
    assert not any("bewoner@example.nl" in cell for row in without for cell in row)
    allowed, _ = _client("read_only", may_see_contact=True)
    assert "e-mail" in _rows(allowed.get(URL, HTTP_ACCEPT_LANGUAGE="en"))[0]
    bad = staff_client.get(URL, {"status": "lost"})
    assert bad.status_code == 400 and "status" in bad.json()["error"]["fields"]


@pytest.mark.django_db(transaction=True)
def test_streamed_in_pieces_over_asgi(live_asgi, settings, monkeypatch):
    # Small pieces, so that a few hundred rows arrive as several.
    monkeypatch.setattr("frontend_api.staff.export._ROWS_PER_PIECE", 50)
    for _ in range(3):
        make_report()
    from backend.reports.models import Report

    first = Report.objects.first()
    _, key = _client("dispatcher")
    extra = 300
    _clone(first, extra)
    pieces = 0
    body = b""
    with httpx.stream(
        "GET", f"http://{live_asgi}{URL}", headers={"Authorization": f"Token {key}"}, timeout=60
    ) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/csv")
        assert "content-length" not in response.headers  # streamed, not built whole
        for chunk in response.iter_raw():
            pieces += 1
            body += chunk
    lines = list(csv.reader(io.StringIO(body.decode())))
    assert len(lines) == 1 + 3 + extra
    assert pieces > 3


def _clone(report, count: int) -> None:
    """`count` more reports like `report`, written straight to the table (a test's shortcut
    to many rows; the export only reads them)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO reports_report (id, tracking_token_hash, short_id, location,
                location_source, text, category_id, category_verified, suggestion_applied,
                priority, status, resolution, status_before_info_request, source, language,
                reporter_email, reporter_phone, allow_contact, department_id, needs_triage,
                deadline, last_event_seq, created_at, updated_at, assigned_manually, sla_stage)
            SELECT gen_random_uuid(), md5(random()::text) || md5(random()::text),
                   'M-1999-' || lpad(n::text, 6, '0'), location, location_source, text,
                   category_id, category_verified, suggestion_applied, priority, status,
                   resolution, status_before_info_request, source, language, reporter_email,
                   reporter_phone, allow_contact, department_id, needs_triage, deadline,
                   last_event_seq, created_at, updated_at, assigned_manually, sla_stage
            FROM reports_report, generate_series(1, %s) AS n WHERE id = %s
            """,
            [count, report.id],
        )
