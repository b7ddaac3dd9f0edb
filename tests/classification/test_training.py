import json
import subprocess
import sys

import pytest
from django.db import connection
from sklearn.dummy import DummyClassifier
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.pipeline import Pipeline

from backend.classification import store
from backend.classification.corpus import digest
from backend.classification.models import ClassifierModel
from backend.classification.predict import predict
from backend.classification.services import classifier_activate, classifier_train, training_examples
from backend.classification.tasks import classifier_retrain_weekly
from backend.reports.actors import ActorRef
from backend.reports.services import report_update
from backend.taxonomy.selectors import category_by_path
from tests.classification.conftest import trained_with_other_sentence_weights
from tests.conftest import THREE
from tests.reports.factories import make_report

pytestmark = pytest.mark.django_db


def _majority_vote() -> Pipeline:
    return Pipeline([("counts", CountVectorizer()), ("vote", DummyClassifier())])


def test_first_version_is_activated_with_its_measurements(three_categories):
    result = classifier_train(examples=three_categories)
    model = result.model
    assert result.activated and model.is_active and result.reason == "no active version"
    assert model.training_rows + model.split["holdout_rows"] == len(three_categories)
    assert model.training_labels == 3
    assert (model.training_data_sha256, model.training_data_bytes) == digest(three_categories)
    assert model.train_seconds > 0
    metrics = model.metrics
    assert set(metrics) == {"sub", "main", "per_class", "confusion"}
    assert metrics["sub"]["macro_f1"] > 0.9
    assert set(metrics["per_class"]) == set(THREE)
    assert {"precision", "recall", "f1", "support"} <= set(metrics["per_class"][THREE[0]])
    assert metrics["confusion"]["labels"] == sorted(THREE)
    held_out = sum(sum(row) for row in metrics["confusion"]["matrix"])
    assert held_out == model.split["holdout_rows"]
    loaded = store.artifact_load(bytes(model.artifact))
    assert list(loaded.predict(["de container is vol"])) == ["afval/container-is-vol"]


def test_a_worse_version_is_stored_but_not_activated_unless_forced(three_categories):
    good = classifier_train(examples=three_categories).model
    worse = classifier_train(examples=three_categories, build=_majority_vote, algorithm="vote")
    assert not worse.activated and "<" in worse.reason
    assert worse.active_metrics["sub"]["macro_f1"] == good.metrics["sub"]["macro_f1"]
    assert ClassifierModel.objects.get(is_active=True) == good
    forced = classifier_train(examples=three_categories, build=_majority_vote, force=True)
    assert forced.activated and forced.reason == "forced"
    assert ClassifierModel.objects.filter(is_active=True).get() == forced.model


def test_an_equally_good_version_replaces_the_active_one(three_categories):
    first = classifier_train(examples=three_categories).model
    second = classifier_train(examples=three_categories)
    assert second.activated and ">=" in second.reason
    first.refresh_from_db()
    assert not first.is_active and second.model.is_active


def test_activation_is_picked_up_without_a_restart(three_categories):
    good = classifier_train(examples=three_categories).model
    vote = classifier_train(examples=three_categories, build=_majority_vote).model
    assert predict("lantaarnpaal doet het niet").model_version == good.version
    classifier_activate(model=vote)
    assert predict("lantaarnpaal doet het niet").model_version == vote.version


def test_dispatchers_corrections_and_confirmations_become_training_data(staff_client):
    corrected = make_report(text="Er ligt een dode kat op de stoep", category="afval/zwerfafval")
    confirmed = make_report(text="Container weer vol, stinkt enorm")
    untouched = make_report(text="Iets anders dat niemand bekeek")
    staff = ActorRef.staff(None)
    report_update(
        report_id=corrected.id,
        actor=staff,
        category=category_by_path("overlast-van-dieren/dood-dier"),
    )
    report_update(
        report_id=confirmed.id, actor=staff, category=category_by_path("afval/container-is-vol")
    )
    labelled = {(e.text, e.label) for e in training_examples()}
    assert ("Er ligt een dode kat op de stoep", "overlast-van-dieren/dood-dier") in labelled
    assert ("Container weer vol, stinkt enorm", "afval/container-is-vol") in labelled
    assert not any(text == untouched.text for text, _ in labelled)


def test_an_archive_with_foreign_types_is_refused():
    import skops.io as sio

    data = sio.dumps({"payload": ForeignThing()})
    with pytest.raises(store.UntrustedArtifact, match="ForeignThing"):
        store.artifact_load(data)


class ForeignThing:
    pass


@pytest.mark.django_db(transaction=True)
def test_a_stored_model_loads_and_predicts_in_a_fresh_process(three_categories):
    model = classifier_train(examples=three_categories).model
    database = connection.settings_dict
    url = (
        f"postgis://{database['USER']}@{database['HOST'] or '127.0.0.1'}:"
        f"{database['PORT'] or 5432}/{database['NAME']}"
    )
    code = (
        "import django, json; django.setup();"
        "from backend.classification.predict import predict;"
        "p = predict('ratten onder de schuur');"
        "print(json.dumps([p.model_version, p.best.slug]))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        env={
            **__import__("os").environ,
            "DATABASE_URL": url,
            "DJANGO_SETTINGS_MODULE": "backend.config.settings",
        },
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == [
        model.version,
        "overlast-van-dieren/ratten",
    ]


def test_a_version_that_cannot_run_here_is_replaced_by_one_that_can(three_categories):
    stale = classifier_train(examples=three_categories).model
    trained_with_other_sentence_weights(stale)
    result = classifier_train(examples=three_categories)
    assert result.activated and result.active_metrics is None
    assert result.reason.startswith("the active version cannot run here")
    assert "retrain" in result.reason
    assert ClassifierModel.objects.get(is_active=True) == result.model
    assert predict("de container is vol").best.slug == "afval/container-is-vol"


def test_weekly_retraining_waits_for_enough_new_labels(settings, three_categories, monkeypatch):
    settings.CLASSIFIER_RETRAIN_MIN_NEW_EXAMPLES = 2
    # Train on the small slice instead of the whole corpus, to keep the test quick.
    monkeypatch.setattr(
        "backend.classification.services.training_examples", lambda: three_categories
    )
    assert classifier_retrain_weekly().endswith("no active version")
    assert classifier_retrain_weekly().startswith("skipped: 0")
    for _ in range(2):
        report = make_report()
        report_update(
            report_id=report.id,
            actor=ActorRef.staff(None),
            category=category_by_path("afval/container-is-vol"),
        )
    assert not classifier_retrain_weekly().startswith("skipped")
    assert ClassifierModel.objects.count() == 2


def test_the_train_command_shows_each_step_and_a_summary(three_categories, monkeypatch):
    import io
    import json

    from django.core.management import call_command

    from backend.classification import services

    monkeypatch.setattr(services, "training_examples", lambda: three_categories)
    steps: list[str] = []
    services.classifier_train(examples=three_categories, on_step=steps.append)
    assert steps == list(services.TRAIN_STEPS)

    out, err = io.StringIO(), io.StringIO()
    call_command("classifier", "train", stdout=out, stderr=err)
    summary = out.getvalue()
    assert "classifier train" in summary and "activated" in summary and "sub macro-F1" in summary
    assert f"{len(services.TRAIN_STEPS)}/{len(services.TRAIN_STEPS)}" in err.getvalue()
    out = io.StringIO()
    call_command("classifier", "train", "--json", stdout=out, stderr=io.StringIO())
    assert json.loads(out.getvalue())["rows"] > 0
