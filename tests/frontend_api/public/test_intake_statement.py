"""Intake outside a test transaction, as the server runs it: one read and one write statement,
the write atomic on its own."""

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from backend.reports.models import Attachment, IdempotencyKey, OutboxEntry, Report, ReportEvent
from backend.reports.services import intake as report_services
from tests.conftest import DAM, files_under
from tests.support import images

pytestmark = pytest.mark.django_db(transaction=True)
URL = "/api/v1/public/reports/"


def _valid(**overrides):
    return {"text": "Container vol", "lat": DAM[0], "lon": DAM[1]} | overrides


def _photo():
    return SimpleUploadedFile("p.jpg", images.jpeg_bytes(), content_type="image/jpeg")


def _stored():
    return (
        Report.objects.count(),
        ReportEvent.objects.count(),
        OutboxEntry.objects.count(),
        Report.areas.through.objects.count(),
        Attachment.objects.count(),
        IdempotencyKey.objects.count(),
        len(files_under(settings.PRIVATE_MEDIA_ROOT)),
    )


def test_a_json_report_costs_one_read_and_one_write_without_a_transaction_block(public_client):
    public_client.post(URL, _valid(category="afval/container-is-vol"), format="json")  # warm
    executed = []

    def record(execute, sql, params, many, context):
        executed.append((sql, connection.in_atomic_block))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        response = public_client.post(URL, _valid(category="afval/container-is-vol"), format="json")
    assert response.status_code == 201, response.content
    (read, read_in_block), (write, write_in_block) = executed
    assert "FROM geo_area" in read and "INSERT" not in read
    assert 'INSERT INTO "reports_report"' in write and "INSERT INTO reports_outboxentry" in write
    assert not read_in_block and not write_in_block  # the write commits by itself
    # ... and what the one write stored, committed: the report with its areas and history.
    report = Report.objects.get(pk=response.json()["id"])
    assert report.areas.count() >= 2 and report.last_event_seq >= 2
    seqs = list(ReportEvent.objects.filter(report=report).values_list("seq", flat=True))
    assert sorted(seqs) == list(range(1, report.last_event_seq + 1))
    assert OutboxEntry.objects.filter(event__report=report).count() == len(seqs)
    # the duplicates were read before the report existed: the first one is the only one
    assert len(response.json()["possible_duplicates"]) == 1


def test_a_write_that_fails_in_the_database_stores_nothing(public_client, monkeypatch):
    """A real constraint violation (a tracking token hash that already exists) in the middle
    of the one statement: no report, link, event, outbox entry, attachment, key or file."""
    first = public_client.post(URL, _valid(), format="json")
    assert first.status_code == 201
    taken = Report.objects.get(pk=first.json()["id"]).tracking_token_hash
    monkeypatch.setattr(report_services, "tracking_token_hash_for", lambda report_id: taken)
    before = _stored()
    public_client.raise_request_exception = False
    response = public_client.post(
        URL,
        _valid(photos=[_photo()]),
        format="multipart",
        HTTP_IDEMPOTENCY_KEY="k-statement",
    )
    assert response.status_code == 500
    assert _stored() == before
    response = public_client.post(URL, _valid(photos=[_photo()]), format="multipart")
    assert response.status_code == 500
    assert _stored() == before
