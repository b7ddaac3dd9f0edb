"""Suggesting categories for a text with the active model version."""

import functools
import logging
import re
import threading
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import sklearn
from django.conf import settings
from django.utils.html import strip_tags

from . import store
from .models import ClassifierModel

logger = logging.getLogger(__name__)

_LETTER = re.compile(r"[^\W\d_]")
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Suggestion:
    slug: str  # "main/sub", or "main" for main categories
    probability: float

    @property
    def main(self) -> str:
        return self.slug.split("/", 1)[0]


@dataclass(frozen=True)
class Prediction:
    model_version: str
    subs: list[Suggestion]  # the top 3, most probable first
    mains: list[Suggestion]

    @property
    def best(self) -> Suggestion:
        return self.subs[0]


def clean_text(text: str) -> str:
    """What the model reads: no markup, one space between words."""
    return _SPACE.sub(" ", strip_tags(text)).strip()


def has_words(text: str) -> bool:
    return bool(_LETTER.search(text))


class _ActiveModel:
    """The active version, loaded once per process and swapped when another is activated.

    Whether another is active is asked at most every CLASSIFIER_RELOAD_SECONDS, so activating
    a version reaches every web and worker process within seconds, without a restart.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._id: int | None = None
        self._version = ""
        self._model: Any = None
        self._checked = float("-inf")

    def get(self) -> tuple[str, Any] | None:
        now = time.monotonic()
        if now - self._checked > settings.CLASSIFIER_RELOAD_SECONDS:
            with self._lock:
                row = ClassifierModel.objects.filter(is_active=True).values_list("id", "version")
                current = row.first()
                if current is None:
                    self._id, self._version, self._model = None, "", None
                elif current[0] != self._id:
                    self._id, self._version = current
                    self._model = _loaded(*current)
                self._checked = now
        if self._model is None:
            return None
        return self._version, self._model

    def forget(self) -> None:
        with self._lock:
            self._id, self._version, self._model = None, "", None
            self._checked = float("-inf")


def _loaded(pk: int, version: str) -> Any:
    """The version, ready to predict; None if it cannot run in this process. A classifier
    that cannot run must not take intake down with it: reports then wait in triage, as
    they do while no version is active, until a version that runs is activated."""
    artifact = ClassifierModel.objects.values_list("artifact", flat=True).get(pk=pk)
    try:
        model = store.artifact_load(bytes(artifact))
        # Loads what the model reads at run time (WordNet: about half a second; the
        # sentence encoder: a third of a second) here, not in the first request to need it.
        probabilities(model, ["warm up"])
    except Exception:
        logger.exception("classifier version %s cannot run here; reports go to triage", version)
        return None
    return model


active_model = _ActiveModel()


def predict(text: str, *, top: int = 3) -> Prediction | None:
    """The top sub and main categories for a text, or None while no version is active."""
    predictions = predict_many([text], top=top)
    return predictions[0] if predictions else None


def predict_many(texts: list[str], *, top: int = 3) -> list[Prediction] | None:
    """`predict` for many texts at once: one pass through the model costs little more than
    one text's, so a worker classifying a batch of reports does it in one call."""
    loaded = active_model.get()
    if loaded is None:
        return None
    if not texts:
        return []
    version, model = loaded
    classes = model.classes_
    mains, main_of = _mains(version, tuple(classes))
    try:
        rows = probabilities(model, [clean_text(text) for text in texts])
    except Exception:
        # As when the version cannot load: the reports wait in triage, intake goes on.
        logger.exception("classifier version %s failed to predict", version)
        return None
    return [_prediction(version, classes, row, mains, main_of, top) for row in rows]


def probabilities(model: Any, texts: list[str]) -> np.ndarray:
    """The model's class probabilities for (cleaned) texts. scikit-learn's checks of its
    inputs are skipped: the model's own vectorisers made them, always finite and well
    formed, and for one text the checks took about a tenth of the time."""
    with sklearn.config_context(assume_finite=True, skip_parameter_validation=True):
        return model.predict_proba(texts)


@functools.lru_cache(maxsize=8)
def _mains(version: str, classes: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
    """The model's main categories, and for each of its classes the index of its main."""
    names, index = np.unique([label.split("/", 1)[0] for label in classes], return_inverse=True)
    return names, index


def _prediction(
    version: str,
    classes: Any,
    probabilities: np.ndarray,
    mains: np.ndarray,
    main_of: np.ndarray,
    top: int,
) -> Prediction:
    # Only the top few become objects: the worker classifies every new report this way.
    best = np.argsort(probabilities)[::-1][:top]
    main_totals = np.bincount(main_of, weights=probabilities, minlength=len(mains))
    best_mains = np.argsort(main_totals, kind="stable")[::-1][:top]
    return Prediction(
        model_version=version,
        subs=[Suggestion(slug=str(classes[i]), probability=float(probabilities[i])) for i in best],
        mains=[
            Suggestion(slug=str(mains[i]), probability=float(main_totals[i])) for i in best_mains
        ],
    )
