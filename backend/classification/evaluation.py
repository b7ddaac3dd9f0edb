"""Measuring a model: held-out metrics for the model store, cross-validation for comparisons."""

import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from sklearn.metrics import (
    accuracy_score,
    confusion_matrix,
    f1_score,
    precision_recall_fscore_support,
)
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import Pipeline

from .pipeline import build_pipeline, build_signalen_baseline


def fit(model: Pipeline, texts: Sequence[str], labels: Sequence[str]) -> Pipeline:
    with warnings.catch_warnings():
        # The baseline's deprecated `penalty` argument warns on every fit.
        warnings.simplefilter("ignore", FutureWarning)
        warnings.simplefilter("ignore", UserWarning)
        return model.fit(list(texts), list(labels))


def scores(truth: Sequence[str], predicted: Sequence[str]) -> dict[str, float]:
    return {
        "accuracy": round(float(accuracy_score(truth, predicted)), 4),
        "macro_f1": round(float(f1_score(truth, predicted, average="macro", zero_division=0)), 4),
    }


def detailed_metrics(
    truth: Sequence[str], predicted: Sequence[str], main_of: Callable[[str], str]
) -> dict[str, Any]:
    """Sub and main scores, per-class precision/recall and the confusion matrix of subs."""
    labels = sorted(set(truth) | set(predicted))
    precision, recall, f1, support = precision_recall_fscore_support(
        truth, predicted, labels=labels, zero_division=0
    )
    return {
        "sub": scores(truth, predicted),
        "main": scores([main_of(t) for t in truth], [main_of(p) for p in predicted]),
        "per_class": {
            label: {
                "precision": round(float(p), 4),
                "recall": round(float(r), 4),
                "f1": round(float(f), 4),
                "support": int(s),
            }
            for label, p, r, f, s in zip(labels, precision, recall, f1, support, strict=True)
        },
        "confusion": {
            "labels": labels,
            "matrix": confusion_matrix(truth, predicted, labels=labels).tolist(),
        },
    }


def cross_validate(
    texts: Sequence[str], labels: Sequence[str], *, folds: int = 5, seed: int = 42
) -> dict[str, Any]:
    """Ours and the Signalen baseline on the same stratified, shuffled folds."""
    text_array = np.array(texts, dtype=object)
    label_array = np.array(labels, dtype=object)
    predictions: dict[str, np.ndarray] = {
        "ours": np.empty(len(labels), dtype=object),
        "baseline": np.empty(len(labels), dtype=object),
    }
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    for train, test in splitter.split(text_array, label_array):
        for name, build in (("ours", build_pipeline), ("baseline", build_signalen_baseline)):
            model = fit(build(), text_array[train], label_array[train])
            predictions[name][test] = model.predict(list(text_array[test]))
    return {
        "ours": scores(list(label_array), list(predictions["ours"])),
        "baseline": scores(list(label_array), list(predictions["baseline"])),
        "folds": folds,
        "seed": seed,
        "rows": len(labels),
        "labels": len(set(labels)),
    }
