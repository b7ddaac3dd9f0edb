"""The classifier's suggestion for a resident's own category is bookkeeping: the fan-out only
queues it on the bookkeeping queue; with the broker away it is recorded in process."""

import pytest

from backend.classification.services import classifier_train
from backend.reports.models import OutboxEntry, Report
from backend.reports.outbox import outbox_entries_publish
from backend.reports.tasks import suggestions_record_task
from tests.reports.factories import make_report
from tests.support.broker import private_broker, queued

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_model_cache")]


def _publish() -> int:
    ids = list(OutboxEntry.objects.filter(published_at__isnull=True).values_list("pk", flat=True))
    return outbox_entries_publish(entry_ids=ids)


def test_the_fan_out_queues_the_suggestions_on_the_bookkeeping_queue(tmp_path, three_categories):
    classifier_train(examples=three_categories)
    with private_broker(tmp_path) as broker:
        reports = [make_report(text=f"De container is vol {i}") for i in range(3)]
        assert _publish() > 0
        assert queued(broker, "bookkeeping") == 1  # one task for the batch
    # The task itself records them (here run in process): one suggestion each.
    recorded = suggestions_record_task.run([str(r.id) for r in reports])
    assert recorded == 3
    assert not Report.objects.filter(
        pk__in=[r.id for r in reports], suggestion_probability__isnull=True
    ).exists()
    assert suggestions_record_task.run([str(r.id) for r in reports]) == 0  # idempotent


def test_with_the_broker_away_the_suggestions_are_recorded_in_process(tmp_path, three_categories):
    classifier_train(examples=three_categories)
    with private_broker(tmp_path) as broker:
        broker.stop()
        report = make_report()
        assert _publish() > 0  # the sweep's way while the broker is away: nothing fails
        entry = OutboxEntry.objects.filter(event__type="created", event__report=report).get()
        assert "classification" in entry.delivered_to
    report.refresh_from_db()
    assert report.suggestion_probability is not None
