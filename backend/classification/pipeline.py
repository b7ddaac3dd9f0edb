"""The text models: ours, and the Signalen baseline we measure ourselves against."""

import functools
import itertools
import re
import warnings
from typing import Any

import numpy as np
import snowballstemmer
from scipy.optimize import minimize_scalar
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer, TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.multiclass import OneVsRestClassifier
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.svm import LinearSVC

ALGORITHM = "tfidf(stemmed nl+en words 1-2, char_wb 1-4) + linear SVM (balanced), softmax T"

_WORD = re.compile(r"(?u)\b\w\w+\b")


class StemmedWords:
    """Analyzer: words and word pairs, each stemmed by the Dutch and by the English Snowball
    stemmer, so "lantaarnpalen"/"lantaarnpaal" and "potholes"/"pothole" meet, whatever
    language the resident wrote in."""

    def __call__(self, text: str) -> list[str]:
        words = _WORD.findall(text.lower())
        features: list[str] = []
        for stem in (_dutch_stem, _english_stem):
            stems = [stem(word) for word in words]
            features += stems
            features += [f"{a} {b}" for a, b in itertools.pairwise(stems)]
        return features


_DUTCH = snowballstemmer.stemmer("dutch")
_ENGLISH = snowballstemmer.stemmer("english")


# Residents use a few thousand distinct words; stemming each once keeps a prediction in the
# low milliseconds (the stemmers are pure Python).
@functools.lru_cache(maxsize=100_000)
def _dutch_stem(word: str) -> str:
    return "nl:" + _DUTCH.stemWord(word)


@functools.lru_cache(maxsize=100_000)
def _english_stem(word: str) -> str:
    return "en:" + _ENGLISH.stemWord(word)


class TemperatureScaledSVM(ClassifierMixin, BaseEstimator):
    """A linear SVM whose scores become probabilities by one softmax temperature.

    The temperature is fitted on out-of-fold scores (minimum log loss). Being one number for
    all classes, it never reorders them: the most probable category is exactly the SVM's
    choice. Per-class calibration (Platt, isotonic) measured 1-2 points of macro-F1 worse.
    """

    def __init__(self, C: float = 0.3, calibration_folds: int = 3) -> None:
        self.C = C
        self.calibration_folds = calibration_folds

    def _svm(self) -> LinearSVC:
        # A fixed random_state: the solver's shuffling must not make runs differ.
        return LinearSVC(C=self.C, class_weight="balanced", random_state=0)

    def fit(self, X: Any, y: Any) -> "TemperatureScaledSVM":
        labels = np.asarray(y)
        folds = min(self.calibration_folds, int(np.unique(labels, return_counts=True)[1].min()))
        self.svm_ = self._svm().fit(X, labels)
        self.classes_ = self.svm_.classes_
        if folds >= 2:
            scores = cross_val_predict(
                self._svm(),
                X,
                labels,
                method="decision_function",
                cv=StratifiedKFold(folds, shuffle=True, random_state=0),
            )
            truth = np.searchsorted(self.classes_, labels)

            def log_loss(temperature: float) -> float:
                logp = _log_softmax(scores / temperature)
                return float(-logp[np.arange(len(truth)), truth].mean())

            self.temperature_ = float(
                minimize_scalar(log_loss, bounds=(0.01, 10.0), method="bounded").x
            )
        else:
            self.temperature_ = 1.0
        return self

    def decision_function(self, X: Any) -> np.ndarray:
        return self.svm_.decision_function(X)

    def predict(self, X: Any) -> np.ndarray:
        return self.classes_[np.argmax(self.decision_function(X), axis=1)]

    def predict_proba(self, X: Any) -> np.ndarray:
        return np.exp(_log_softmax(self.decision_function(X) / self.temperature_))


def _log_softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=1, keepdims=True))


def build_pipeline() -> Pipeline:
    """Stemmed words and word pairs catch phrases ("doet het niet"); character n-grams within
    words catch Dutch compounds, inflections and typos ("lantarenpaal", "kliko's"). A linear
    SVM with balanced class weights ranked best by cross-validation (see the closing notes)."""
    features = FeatureUnion(
        [
            ("words", TfidfVectorizer(analyzer=StemmedWords(), sublinear_tf=True)),
            (
                "chars",
                TfidfVectorizer(
                    analyzer="char_wb",
                    ngram_range=(1, 4),
                    sublinear_tf=True,
                    strip_accents="unicode",
                    lowercase=True,
                ),
            ),
        ]
    )
    return Pipeline([("features", features), ("classifier", TemperatureScaledSVM(C=0.3))])


def build_signalen_baseline() -> Pipeline:
    """Signalen's classifier as published: word n-gram counts, TF without IDF, L1 logistic
    regression one-vs-rest."""
    with warnings.catch_warnings():
        # scikit-learn >= 1.8 deprecates `penalty`; kept to state the baseline as published.
        warnings.simplefilter("ignore", FutureWarning)
        regression = LogisticRegression(
            solver="liblinear",
            penalty="l1",
            class_weight="balanced",
            max_iter=500,
            # liblinear shuffles with numpy's global state unless told otherwise: fixed, so a
            # seed gives the same figures in every process.
            random_state=0,
        )
    return Pipeline(
        [
            ("counts", CountVectorizer(ngram_range=(1, 2))),
            ("tf", TfidfTransformer(use_idf=False)),
            ("classifier", OneVsRestClassifier(regression)),
        ]
    )
