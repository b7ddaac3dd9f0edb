"""Tasks sent after commit: queued only for committed changes, and a broker that is away fails
nothing: the rows stay due and beat's sweep sends them once it is back."""

import io
import logging
import uuid
from datetime import timedelta

import pytest
from django.db import transaction
from django.db.models import F

from backend.common.dispatch import dispatch_on_commit
from backend.config.celery import app as celery_app
from backend.reports.models import Attachment
from backend.reports.services import PhotoUpload
from backend.reports.tasks import attachment_process_task, attachments_retry_pending
from tests.reports.factories import make_report
from tests.support import images
from tests.support.broker import private_broker, queued
from tests.support.waiting import eventually
from tests.support.worker import running_worker

pytestmark = pytest.mark.django_db(transaction=True)


def _states(photos) -> list[str]:
    return list(photos.order_by("position").values_list("state", flat=True))


def test_tasks_are_queued_after_commit_and_never_for_a_change_that_rolled_back(tmp_path):
    ids = [uuid.uuid4(), uuid.uuid4()]
    with private_broker(tmp_path) as broker:
        with transaction.atomic():
            dispatch_on_commit(attachment_process_task, ids, what="photos")
            assert queued(broker, "photos") == 0
        assert queued(broker, "photos") == 2

        with pytest.raises(RuntimeError), transaction.atomic():
            dispatch_on_commit(attachment_process_task, [uuid.uuid4()], what="photos")
            raise RuntimeError("rolled back")
        assert queued(broker, "photos") == 2


def test_with_the_broker_away_the_commit_succeeds_the_rows_stay_due_and_the_sweep_sends_them(
    tmp_path, caplog
):
    # A worker started earlier in the run may have left the root logger at ERROR.
    caplog.set_level(logging.WARNING, logger="backend.common.dispatch")
    photo = images.jpeg_bytes()
    uploads = [
        PhotoUpload(file=io.BytesIO(photo), size=len(photo), mime_type="image/jpeg")
        for _ in range(2)
    ]
    with private_broker(tmp_path) as broker:
        broker.stop()
        report = make_report(photos=uploads)  # raises nothing
        photos = Attachment.objects.filter(report=report)
        assert _states(photos) == ["pending", "pending"]
        # One warning for the lot: sending stops at the first failure.
        assert [r.getMessage() for r in caplog.records if r.name == "backend.common.dispatch"] == [
            "broker unavailable; 2 outbox entries wait for the sweep",
            "broker unavailable; 2 photos wait for the sweep",
        ]

        # The sweep leaves photos younger than five minutes to the task that should be on
        # its way; these are older.
        photos.update(created_at=F("created_at") - timedelta(minutes=10))
        assert attachments_retry_pending() == 2  # the broker still away: nothing raised
        assert _states(photos) == ["pending", "pending"]

        broker.start()
        with running_worker(celery_app):
            assert attachments_retry_pending() == 2
            eventually(
                lambda: not photos.filter(state="pending").exists(),
                timeout=20,
                message="the worker did not process the photos",
            )
        assert _states(photos) == ["ready", "ready"]
        assert attachments_retry_pending() == 0
        assert queued(broker, "photos") == 0
