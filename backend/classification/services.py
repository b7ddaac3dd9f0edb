"""Training, activating and using the classifier."""

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from . import store
from .corpus import Example, digest, seed_examples
from .evaluation import detailed_metrics, fit
from .labels import labelled_examples
from .models import ClassifierModel
from .pipeline import ALGORITHM, build_pipeline

HOLDOUT_PERCENT = 20
# What classifier_train does, in order, for a progress bar: its `on_step` hears each as done.
TRAIN_STEPS = ("examples read", "model fitted", "scored", "active version scored", "stored")


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
    on_step: Callable[[str], None] | None = None,
) -> TrainResult:
    """Train a version, score it on the held-out rows next to the active one, store it, and
    activate it only if it is at least as good (macro-F1 over sub categories), or if forced.
    `on_step` hears each of TRAIN_STEPS as it is done.
    """
    step = on_step or (lambda _: None)
    examples = examples if examples is not None else training_examples()
    step(TRAIN_STEPS[0])
    train, held_out = holdout_split(examples)
    test_texts = [e.text for e in held_out]
    test_labels = [e.label for e in held_out]

    started = time.perf_counter()
    candidate = fit(build(), [e.text for e in train], [e.label for e in train])
    train_seconds = time.perf_counter() - started
    step(TRAIN_STEPS[1])
    metrics = detailed_metrics(test_labels, list(candidate.predict(test_texts)), _main_of)
    step(TRAIN_STEPS[2])

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
    step(TRAIN_STEPS[3])

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
    step(TRAIN_STEPS[4])
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
    """The seed corpus plus the installation's labelled examples (see labels.py)."""
    return seed_examples() + labelled_examples()
