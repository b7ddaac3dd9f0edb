import io
from pathlib import Path

import pytest
from django.conf import settings
from PIL import Image

from backend.reports.models import Attachment, Report, ReportEvent
from backend.reports.services import PhotoUpload, attachment_process
from backend.reports.tasks import attachment_process_task
from tests.reports.factories import make_report
from tests.support import images

pytestmark = pytest.mark.django_db


def _report_with_photo(data: bytes, mime: str = "image/jpeg") -> tuple[Report, Attachment]:
    report = make_report(
        photos=[PhotoUpload(file=io.BytesIO(data), size=len(data), mime_type=mime)]
    )
    return report, Attachment.objects.get(report=report)


def test_processing_orients_strips_resizes_thumbnails_and_drops_the_original(
    django_capture_on_commit_callbacks,
):
    data = images.jpeg_bytes(3000, 2000, gps=(52.3731, 4.8926), camera=True, orientation=6)
    report, attachment = _report_with_photo(data)
    original = Path(settings.PRIVATE_MEDIA_ROOT) / attachment.original_path
    assert original.is_file()

    with django_capture_on_commit_callbacks(execute=True):
        attachment = attachment_process(attachment_id=attachment.id)

    assert attachment.state == "ready" and attachment.original_path == ""
    assert not original.exists()
    photo = (Path(settings.MEDIA_ROOT) / attachment.file).read_bytes()
    thumb = (Path(settings.MEDIA_ROOT) / attachment.thumbnail).read_bytes()
    # Orientation 6 turns the 3000x2000 landscape into a portrait; longest side capped.
    assert (
        Image.open(io.BytesIO(photo)).size == (1365, 2048) == (attachment.width, attachment.height)
    )
    assert max(Image.open(io.BytesIO(thumb)).size) == settings.PHOTO_THUMBNAIL_SIDE
    for stored in (photo, thumb):
        assert images.exif_of(stored) == {}
        assert not images.has_any_metadata(stored)
    event = ReportEvent.objects.filter(report=report).order_by("-seq").first()
    assert (event.type, event.is_public) == ("photo_processed", False)


def test_a_second_run_of_the_task_does_nothing():
    report, attachment = _report_with_photo(images.jpeg_bytes())
    attachment_process(attachment_id=attachment.id)
    events = ReportEvent.objects.filter(report=report).count()
    files = sorted(p.name for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file())
    again = attachment_process(attachment_id=attachment.id)
    assert again.state == "ready"
    assert ReportEvent.objects.filter(report=report).count() == events
    assert sorted(p.name for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()) == files


def test_a_photo_that_fails_to_decode_is_marked_failed_and_the_report_is_intact(
    django_capture_on_commit_callbacks,
):
    report, attachment = _report_with_photo(images.jpeg_bytes())
    # Corrupt the stored upload after intake accepted it (disk fault, tampering...).
    original = Path(settings.PRIVATE_MEDIA_ROOT) / attachment.original_path
    original.write_bytes(b"garbage" * 50)

    with django_capture_on_commit_callbacks(execute=True):
        attachment = attachment_process(attachment_id=attachment.id)

    assert attachment.state == "failed" and "not_an_image" in attachment.error
    report.refresh_from_db()
    assert report.status == "received" and report.text == "De container is vol"
    assert ReportEvent.objects.filter(report=report, type="photo_failed").count() == 1
    assert not original.exists()


def test_a_crash_is_retried_then_the_photo_is_marked_failed(monkeypatch):
    report, attachment = _report_with_photo(images.jpeg_bytes())
    calls = []

    def crash(*args, **kwargs):
        calls.append(1)
        raise MemoryError("worker ran out of memory")

    monkeypatch.setattr("backend.reports.services.photos.process_image", crash)
    # Eager apply runs the retries inline, so this exercises the whole retry path.
    attachment_process_task.apply(args=[str(attachment.id)])

    assert len(calls) == 4  # the first try and three retries
    attachment.refresh_from_db()
    assert attachment.state == "failed" and "MemoryError" in attachment.error
    report.refresh_from_db()
    assert report.status == "received"
    assert ReportEvent.objects.filter(report=report, type="photo_failed").count() == 1


# --- issue #14, finding 12: a photo whose worker died is retried within a minute ------------


def test_a_photo_is_claimed_when_its_task_starts():
    _, attachment = _report_with_photo(images.jpeg_bytes())
    assert attachment.claimed_at is None
    processed = attachment_process(attachment_id=attachment.id)
    processed.refresh_from_db()
    assert processed.claimed_at is not None and processed.state == "ready"


def test_the_sweep_takes_photos_whose_worker_died_or_whose_task_never_came(settings):
    from datetime import timedelta

    from django.utils import timezone

    from backend.reports.services.photos import attachments_due

    now = timezone.now()
    claim = timedelta(seconds=settings.PHOTO_CLAIM_SECONDS)
    unclaimed = timedelta(seconds=settings.PHOTO_UNCLAIMED_SECONDS)
    rows = {}
    for name, claimed_at, age in [
        ("worker died", now - claim - timedelta(seconds=1), timedelta(minutes=1)),
        ("being worked on", now - timedelta(seconds=2), timedelta(minutes=1)),
        ("queued a while", None, unclaimed - timedelta(seconds=10)),
        ("never arrived", None, unclaimed + timedelta(seconds=10)),
    ]:
        _, attachment = _report_with_photo(images.jpeg_bytes())
        Attachment.objects.filter(pk=attachment.pk).update(
            claimed_at=claimed_at, created_at=now - age
        )
        rows[attachment.pk] = name
    _, done = _report_with_photo(images.jpeg_bytes())
    attachment_process(attachment_id=done.id)
    Attachment.objects.filter(pk=done.pk).update(claimed_at=now - timedelta(hours=1))
    due = {rows[pk] for pk in attachments_due(now=now) if pk in rows}
    assert due == {"worker died", "never arrived"}
    assert done.pk not in set(attachments_due(now=now))
    # A claim goes stale, and the sweep comes round, within a minute of the worker's death.
    assert settings.PHOTO_CLAIM_SECONDS + settings.PHOTO_SWEEP_SECONDS <= 60
    from backend.config.settings.redis import CELERY_BEAT_SCHEDULE

    sweep = CELERY_BEAT_SCHEDULE["attachments-retry-stuck"]
    assert sweep["schedule"] == settings.PHOTO_SWEEP_SECONDS


@pytest.mark.django_db(transaction=True)
def test_a_photo_left_by_a_dead_worker_is_processed_by_the_next_sweep(settings):
    from datetime import timedelta

    from django.utils import timezone

    from backend.config.celery import app as celery_app
    from backend.reports.outbox import outbox_drain
    from backend.reports.tasks import attachments_retry_pending
    from tests.support.waiting import eventually
    from tests.support.worker import running_worker

    _, attachment = _report_with_photo(images.jpeg_bytes())
    # What a worker killed mid-photo leaves behind: its claim, the photo still pending, and no
    # task in the queue (the dead worker had taken it; the broker gives it back only after its
    # visibility timeout, an hour).
    celery_app.control.purge()
    # The report's events went with the purge: publish them here, as the drain would have,
    # which also clears the drain's flag (left set, the next test's commits queue no drain).
    outbox_drain()
    stale = timezone.now() - timedelta(seconds=settings.PHOTO_CLAIM_SECONDS + 1)
    Attachment.objects.filter(pk=attachment.pk).update(claimed_at=stale)
    with running_worker(celery_app):
        assert attachments_retry_pending() == 1
        eventually(
            lambda: Attachment.objects.get(pk=attachment.pk).state == "ready",
            timeout=20,
            message="the sweep's task did not process the photo",
        )
