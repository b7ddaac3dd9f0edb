import csv
import json
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from backend.classification import store
from backend.classification.pipeline import (
    StemmedWords,
    WordNetConcepts,
    build_pipeline,
    build_signalen_baseline,
)
from tests.conftest import THREE

SEED = Path(settings.BASE_DIR) / "fixtures" / "classification" / "seed"


def _subset_csv(path: Path) -> int:
    """Three well-separated categories of the seed corpus, renamed to the default columns."""
    rows = []
    for file in sorted(SEED.glob("*.csv")):
        with file.open(encoding="utf-8") as handle:
            rows += [
                (r["text"], r["category"]) for r in csv.DictReader(handle) if r["category"] in THREE
            ]
    assert {label for _, label in rows} == set(THREE), f"{SEED} lacks one of {THREE}"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "label"])
        writer.writerows(rows)
    return len(rows)


def test_evaluate_prints_both_models_on_the_same_folds(tmp_path):
    data = tmp_path / "subset.csv"
    rows = _subset_csv(data)
    out = StringIO()
    call_command(
        "classifier", "evaluate", "--data", str(data), "--folds", "3", "--seed", "7", stdout=out
    )
    result = json.loads(out.getvalue())
    assert set(result) == {"ours", "baseline", "folds", "seed", "rows", "labels"}
    assert (result["folds"], result["seed"], result["rows"], result["labels"]) == (3, 7, rows, 3)
    for model in ("ours", "baseline"):
        assert set(result[model]) == {"accuracy", "macro_f1"}
        assert 0.0 <= result[model]["macro_f1"] <= 1.0
    # Three distinct categories of hand-written text: our model separates them well.
    assert result["ours"]["accuracy"] > 0.9


def test_evaluate_is_reproducible_for_a_seed(tmp_path):
    data = tmp_path / "subset.csv"
    _subset_csv(data)
    runs = []
    for _ in range(2):
        out = StringIO()
        call_command("classifier", "evaluate", "--data", str(data), "--folds", "3", stdout=out)
        runs.append(json.loads(out.getvalue()))
    assert runs[0] == runs[1]


def test_evaluate_names_a_missing_column_and_too_small_classes(tmp_path):
    data = tmp_path / "subset.csv"
    _subset_csv(data)
    with pytest.raises(CommandError, match="no column category"):
        call_command("classifier", "evaluate", "--data", str(data), "--label-column", "category")
    tiny = tmp_path / "tiny.csv"
    tiny.write_text("text,label\nkliko vol,a\nlamp kapot,b\nratten,b\n")
    with pytest.raises(CommandError, match="at least"):
        call_command("classifier", "evaluate", "--data", str(tiny))


def test_the_baseline_is_signalens_published_model():
    baseline = build_signalen_baseline()
    counts, tf, ovr = (step for _, step in baseline.steps)
    assert counts.ngram_range == (1, 2)
    assert tf.use_idf is False
    regression = ovr.estimator
    assert (
        regression.solver,
        regression.penalty,
        regression.class_weight,
        regression.max_iter,
    ) == ("liblinear", "l1", "balanced", 500)


def test_stemming_brings_word_forms_together_in_both_languages():
    analyze = StemmedWords()
    assert set(analyze("lantaarnpalen")) & set(analyze("lantaarnpaal"))
    assert set(analyze("potholes")) & set(analyze("pothole"))


def test_wordnet_concepts_bring_related_english_words_together():
    analyze = WordNetConcepts()
    # Synonyms share a synset, a streetlight is a kind of lamp, inflected and derived forms
    # reach their lemma's concepts.
    assert set(analyze("garbage")) & set(analyze("rubbish"))
    assert set(analyze("streetlight")) & set(analyze("lamp"))
    assert set(analyze("parked")) & set(analyze("parking"))
    # Dutch words that are English ones too ("boom", "dode") must not pass as English.
    assert analyze("dode boom in het plantsoen") == []
    assert analyze("") == [] and analyze("1234") == []


def test_wordnet_concepts_come_from_the_debian_files_not_the_archive():
    analyze = WordNetConcepts()
    data, _ = store.artifact_dump(analyze)
    assert len(data) < 10_000
    loaded = store.artifact_load(data)
    assert loaded("streetlight out on my block") == analyze("streetlight out on my block") != []


def test_probabilities_sum_to_one_and_never_reorder_the_svm(tmp_path):
    data = tmp_path / "subset.csv"
    _subset_csv(data)
    with data.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    model = build_pipeline().fit([r["text"] for r in rows], [r["label"] for r in rows])
    texts = ["de kliko is vol", "lantaarnpaal doet het niet", "ratten bij de schuur", "hmm"]
    probabilities = model.predict_proba(texts)
    assert probabilities.shape == (4, 3)
    assert abs(probabilities.sum(axis=1) - 1).max() < 1e-9
    decisions = model.decision_function(texts)
    assert (probabilities.argmax(axis=1) == decisions.argmax(axis=1)).all()
    assert list(model.predict(texts[:3])) == list(THREE)
    assert model.steps[-1][1].temperature_ > 0
