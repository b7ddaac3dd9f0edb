"""Training, activating and using the classifier."""

import hashlib
import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from backend.taxonomy.selectors import category_by_path

from . import store
from .corpus import Example, digest, seed_examples
from .evaluation import detailed_metrics, fit
from .models import ClassifierModel
from .pipeline import ALGORITHM, build_pipeline

HOLDOUT_PERCENT = 20


@dataclass(frozen=True)
class TrainResult:
    model: ClassifierModel
    activated: bool
    reason: str
    # The active version's scores on the same held-out rows, when there was one.
    active_metrics: dict[str, Any] | None


def _main_of(label: str) -> str:
    return label.split("/", 1)[0]


def holdout_split(examples: list[Example]) -> tuple[list[Example], list[Example]]:
    """Train and held-out rows, decided by each text's own hash.

    Every version ever trained holds out the same texts, so the active version and a new one
    are scored on rows neither has seen: "at least as good on the same split" is a fair test.
    """
    train: list[Example] = []
    held_out: list[Example] = []
    for example in examples:
        key = hashlib.sha256(example.text.strip().lower().encode()).digest()
        (held_out if int.from_bytes(key[:4], "big") % 100 < HOLDOUT_PERCENT else train).append(
            example
        )
    return train, held_out


def classifier_train(
    *,
    examples: list[Example] | None = None,
    force: bool = False,
    actor: Any = None,
    build: Any = build_pipeline,
    algorithm: str = ALGORITHM,
) -> TrainResult:
    """Train a version, score it on the held-out rows next to the active one, store it, and
    activate it only if it is at least as good (macro-F1 over sub categories), or if forced.
    """
    examples = examples if examples is not None else training_examples()
    train, held_out = holdout_split(examples)
    test_texts = [e.text for e in held_out]
    test_labels = [e.label for e in held_out]

    started = time.perf_counter()
    candidate = fit(build(), [e.text for e in train], [e.label for e in train])
    train_seconds = time.perf_counter() - started
    metrics = detailed_metrics(test_labels, list(candidate.predict(test_texts)), _main_of)

    active = ClassifierModel.objects.filter(is_active=True).first()
    active_metrics = None
    active_cannot_run = None
    if active is not None:
        try:
            active_model = store.artifact_load(bytes(active.artifact))
            active_metrics = detailed_metrics(
                test_labels, list(active_model.predict(test_texts)), _main_of
            )
        except store.CANNOT_RUN as error:
            # Say a newer sentence model was installed: the active version refuses to run,
            # and any version that does is better than none.
            active_cannot_run = f"the active version cannot run here ({error})"

    artifact, artifact_sha = store.artifact_dump(candidate)
    data_sha, data_bytes = digest(examples)
    ours = metrics["sub"]["macro_f1"]
    theirs = active_metrics["sub"]["macro_f1"] if active_metrics else None
    if force:
        activate, reason = True, "forced"
    elif active_cannot_run:
        activate, reason = True, active_cannot_run
    elif theirs is None:
        activate, reason = True, "no active version"
    elif ours >= theirs:
        activate, reason = True, f"macro-F1 {ours:.4f} >= active {theirs:.4f} on the same rows"
    else:
        activate, reason = False, f"macro-F1 {ours:.4f} < active {theirs:.4f} on the same rows"

    with transaction.atomic():
        model = ClassifierModel.objects.create(
            version=f"{timezone.now():%Y%m%dT%H%M%S}-{artifact_sha[:8]}",
            algorithm=algorithm,
            created_by=actor,
            training_rows=len(train),
            training_labels=len({e.label for e in train}),
            training_data_sha256=data_sha,
            training_data_bytes=data_bytes,
            train_seconds=round(train_seconds, 3),
            metrics=metrics,
            split={
                "method": f"sha256(lowercased text) mod 100 < {HOLDOUT_PERCENT}",
                "holdout_rows": len(held_out),
            },
            artifact=artifact,
            artifact_sha256=artifact_sha,
        )
        if activate:
            classifier_activate(model=model)
    return TrainResult(
        model=model, activated=activate, reason=reason, active_metrics=active_metrics
    )


@transaction.atomic
def classifier_activate(*, model: ClassifierModel) -> ClassifierModel:
    """Make this version the one every process uses (each picks it up within seconds)."""
    ClassifierModel.objects.filter(is_active=True).exclude(pk=model.pk).update(is_active=False)
    model.is_active = True
    model.activated_at = timezone.now()
    model.save(update_fields=["is_active", "activated_at"])
    return model


def training_examples() -> list[Example]:
    """The seed corpus plus every report whose category a dispatcher set or confirmed."""
    from backend.reports.models import Report

    labelled = [
        Example(text=text, label=path)
        for text, path in Report.objects.filter(
            category_verified=True, category__isnull=False
        ).values_list("text", "category__path")
    ]
    return seed_examples() + labelled


def suggestions_record(*, report_ids: list[Any]) -> int:
    """Classify reports whose resident chose the category, to measure the model against them.

    One model pass and one locking query for the whole batch (the worker gets new reports in
    batches under load). Idempotent: a report that has its suggestion already is left alone.
    Returns how many were recorded.
    """
    from backend.reports.events import ActorRef, NewEvent, events_append_many
    from backend.reports.models import Report, ReportEvent

    from .predict import predict_many

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
    threshold = settings.CLASSIFIER_CONFIDENCE_THRESHOLD
    with transaction.atomic():
        recorded = list(
            Report.objects.select_for_update(of=("self",))
            .select_related("category")
            .only("id", "last_event_seq", "category__path")
            .filter(pk__in=list(by_report), suggestion_probability__isnull=True)
            .order_by("pk")  # one lock order for every worker: no deadlocks
        )
        for report in recorded:
            prediction = by_report[report.id]
            report.suggested_category = category_by_path(prediction.best.slug)
            report.suggestion_probability = prediction.best.probability
        events_append_many(
            actor=ActorRef.system(),
            batch=[
                (
                    report,
                    [
                        NewEvent(
                            type=ReportEvent.Type.CLASSIFIED,
                            internal_payload=classified_payload(
                                by_report[report.id],
                                threshold=threshold,
                                applied=False,
                                resident_category=report.category.path if report.category else None,
                            ),
                        )
                    ],
                )
                for report in recorded
            ],
        )
        _suggestions_store(recorded)
    return len(recorded)


def _suggestions_store(reports: list[Any]) -> None:
    """One UPDATE for the batch. (QuerySet.bulk_update builds a CASE per column and row, which
    cost more CPU than the classification itself.)"""
    if not reports:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE reports_report AS r
               SET suggested_category_id = v.category_id,
                   suggestion_probability = v.probability,
                   last_event_seq = v.seq
              FROM unnest(%s::uuid[], %s::bigint[], %s::float8[], %s::integer[])
                   AS v(id, category_id, probability, seq)
             WHERE r.id = v.id
            """,
            [
                [r.id for r in reports],
                [r.suggested_category_id for r in reports],
                [r.suggestion_probability for r in reports],
                [r.last_event_seq for r in reports],
            ],
        )


def classified_payload(
    prediction: Any, *, threshold: float, applied: bool, resident_category: str | None
) -> dict[str, Any]:
    """What the history records of a classification: enough to audit and to measure it."""
    return {
        "model_version": prediction.model_version,
        "suggestions": [
            {"slug": s.slug, "probability": round(s.probability, 4)} for s in prediction.subs
        ],
        "mains": [
            {"slug": s.slug, "probability": round(s.probability, 4)} for s in prediction.mains
        ],
        "confidence": round(prediction.best.probability, 4),
        "threshold": threshold,
        "applied": applied,
        "resident_category": resident_category,
    }
