"""The classifier's suggestion on record for reports whose resident chose the category."""

import uuid

from django.db.models import Q

from backend.classification.predict import predict_many
from backend.common.dispatch import tasks_send
from backend.taxonomy.selectors import category_by_path

from ..actors import ActorRef
from ..change import report_changes
from ..models import Report, ReportEvent
from .intake import classified


def suggestions_record(*, report_ids: list[uuid.UUID]) -> int:
    """Classify the reports to measure the model against the residents' choices.

    One model pass and one locking query for the whole batch (the worker gets new reports in
    batches under load). Idempotent: a report that has its suggestion already is left alone.
    Returns how many were recorded.
    """
    rows = list(
        Report.objects.filter(pk__in=report_ids, suggestion_probability__isnull=True)
        .values_list("id", "text")
        .order_by("pk")
    )
    if not rows:
        return 0
    predictions = predict_many([text for _, text in rows])  # no lock held while it runs
    if not predictions:
        return 0
    by_report = {report_id: p for (report_id, _), p in zip(rows, predictions, strict=True)}
    with report_changes(
        report_ids=list(by_report),
        actor=ActorRef.system(),
        where=Q(suggestion_probability__isnull=True),
        only=("category__path", "suggested_category", "suggestion_probability"),
    ) as changes:
        for report_id, change in changes.items():
            prediction = by_report[report_id]
            change.set(
                suggested_category=category_by_path(prediction.best.slug),
                suggestion_probability=prediction.best.probability,
            )
            change.record(
                classified(prediction, applied=False, resident_category=change.report.category)
            )
    return len(changes)


def reports_created(events: list[ReportEvent]) -> None:
    """Outbox subscriber of `created` events (see the fan-out table): a new report whose
    resident chose the category still gets the model's suggestion on record, from the worker
    rather than the resident's request.

    Queued here on the bookkeeping queue, so the drain that pushes status changes to residents
    never waits for the classifier. Queued at once rather than on commit: the reports are
    committed already and recording is idempotent, so a drain that rolls back costs no more
    than a task that finds the work done. With the broker away (the sweep publishing in
    process) they are recorded right here instead, as nothing else would queue them again.
    """
    from ..tasks import suggestions_record_task

    report_ids = [event.report_id for event in events]
    if not tasks_send(
        suggestions_record_task, [([str(i) for i in report_ids],)], what="classifier suggestions"
    ):
        suggestions_record(report_ids=report_ids)
