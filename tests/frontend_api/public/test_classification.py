"""The public API with a trained classifier: intake classifies a new report, and `classify`
suggests categories for a text."""

import pytest

from backend.classification.services import classifier_train
from backend.config.celery import app as celery_app
from backend.reports.models import OutboxEntry, Report, ReportEvent
from backend.reports.outbox import outbox_entries_publish
from backend.reports.services import suggestions_record
from tests.classification.conftest import trained_with_other_sentence_weights
from tests.conftest import DAM

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_model_cache")]
REPORTS = "/api/v1/public/reports/"
CLASSIFY = "/api/v1/public/classify/"


@pytest.fixture
def tasks_in_process():
    """The bookkeeping worker's part run right here: the fan-out queues the suggestions on the
    bookkeeping queue, and this runs each queued task at once, in this transaction."""
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = False


@pytest.fixture
def trained(three_categories):
    return classifier_train(examples=three_categories).model


def _create(client, **fields):
    body = {"text": "De lantaarnpaal voor ons huis doet het niet", "lat": DAM[0], "lon": DAM[1]}
    body.update(fields)
    response = client.post(REPORTS, body, format="json")
    assert response.status_code == 201, response.content
    return Report.objects.get(pk=response.json()["id"]), response.json()


def _classified(report):
    return ReportEvent.objects.get(report=report, type="classified").internal_payload


def test_a_confident_suggestion_sets_the_category(public_client, trained, settings):
    settings.CLASSIFIER_CONFIDENCE_THRESHOLD = 0.4
    report, body = _create(public_client)
    assert body["category"]["slug"] == "wegen-verkeer-straatmeubilair/straatverlichting"
    assert body["needs_triage"] is False
    assert report.suggestion_applied and report.department.code == "OVL"
    event = _classified(report)
    assert event["model_version"] == trained.version and event["applied"] is True
    assert event["confidence"] >= 0.4 and event["threshold"] == 0.4
    assert event["suggestions"][0]["slug"] == report.category.path
    assert len(event["suggestions"]) == 3 and event["resident_category"] is None


def test_below_the_threshold_the_report_goes_to_triage_with_the_suggestion_recorded(
    public_client, trained, settings
):
    settings.CLASSIFIER_CONFIDENCE_THRESHOLD = 1.01  # nothing is ever that sure
    report, body = _create(public_client)
    assert body["category"] is None and body["needs_triage"] is True
    assert report.category is None and report.department.code == "KCC"
    assert report.suggested_category.path == "wegen-verkeer-straatmeubilair/straatverlichting"
    assert _classified(report)["applied"] is False


def test_the_residents_choice_stands_and_the_suggestion_is_recorded_after_commit(
    public_client, trained, tasks_in_process
):
    report, body = _create(public_client, category="afval/grofvuil")
    assert body["category"]["slug"] == "afval/grofvuil"
    # Not in the request: the worker records it when it fans the `created` event out.
    assert not ReportEvent.objects.filter(report=report, type="classified").exists()
    entries = list(OutboxEntry.objects.filter(event__report=report).values_list("pk", flat=True))
    outbox_entries_publish(entry_ids=entries)
    assert suggestions_record(report_ids=[report.id]) == 0  # a retried fan-out adds nothing
    assert ReportEvent.objects.filter(report=report, type="classified").count() == 1
    report.refresh_from_db()
    assert report.category.path == "afval/grofvuil" and not report.suggestion_applied
    event = _classified(report)
    assert event["applied"] is False and event["resident_category"] == "afval/grofvuil"
    assert report.suggested_category.path == "wegen-verkeer-straatmeubilair/straatverlichting"


def test_a_batch_of_new_reports_is_classified_in_one_pass_each_with_its_own_suggestion(
    public_client, trained, tasks_in_process
):
    from backend.classification.predict import predict

    texts = {
        "De lantaarnpaal voor ons huis doet het niet": "afval/grofvuil",
        "Er staat een oude bank en een matras op de stoep": "afval/grofvuil",
    }
    reports = [_create(public_client, text=t, category=c)[0] for t, c in texts.items()]
    entries = list(
        OutboxEntry.objects.filter(event__report__in=reports).values_list("pk", flat=True)
    )
    outbox_entries_publish(entry_ids=entries)  # one batch: both `created` events
    for report in reports:
        report.refresh_from_db()
        alone = predict(report.text)
        assert report.suggested_category.path == alone.best.slug
        assert report.suggestion_probability == pytest.approx(alone.best.probability)
        assert _classified(report)["suggestions"][0]["slug"] == alone.best.slug
        assert report.last_event_seq == ReportEvent.objects.filter(report=report).count()


def test_without_an_active_version_intake_still_works(public_client):
    report, body = _create(public_client)
    assert body["needs_triage"] is True
    assert not ReportEvent.objects.filter(report=report, type="classified").exists()


def test_classify_returns_three_suggestions_most_probable_first(public_client, trained):
    response = public_client.post(CLASSIFY, {"text": "ratten bij de schuur"}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert body["model_version"] == trained.version
    probabilities = [s["probability"] for s in body["suggestions"]]
    assert probabilities == sorted(probabilities, reverse=True) and len(probabilities) == 3
    first = body["suggestions"][0]
    assert first == {
        "slug": "overlast-van-dieren/ratten",
        "main": "overlast-van-dieren",
        "name_nl": "Ratten of muizen",
        "name_en": "Rats or mice",
        "probability": first["probability"],
    }


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", 400),
        ("   ", 400),
        ("🙈🙉🙊", 400),
        ("<p></p><br/>", 400),
        ("12345 !!!", 400),
        ("x" * 4001, 400),
        ("<b>ratten</b> <script>alert(1)</script> in de tuin", 200),
        ("kapot " * 600, 200),
    ],
    ids=["empty", "spaces", "emoji", "html-only", "digits", "too-long", "html", "long"],
)
def test_classify_never_answers_500(public_client, trained, text, expected):
    response = public_client.post(CLASSIFY, {"text": text}, format="json")
    assert response.status_code == expected, response.content
    if expected == 400:
        assert "text" in response.json()["error"]["fields"]


def test_classify_without_text_field_or_json(public_client, trained):
    assert public_client.post(CLASSIFY, {}, format="json").status_code == 400
    bad = public_client.post(CLASSIFY, "{", content_type="application/json")
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "parse_error"


def test_classify_without_an_active_version_is_a_503(public_client):
    response = public_client.post(CLASSIFY, {"text": "kliko vol"}, format="json")
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "classifier_unavailable"


def test_a_version_that_cannot_run_sends_reports_to_triage_instead_of_failing(
    public_client, trained, caplog
):
    trained_with_other_sentence_weights(trained)
    report, body = _create(public_client)
    assert body["category"] is None and body["needs_triage"] is True
    assert report.suggested_category is None and report.department.code == "KCC"
    assert f"classifier version {trained.version} cannot run here" in caplog.text
    assert "retrain" in caplog.text
    response = public_client.post(CLASSIFY, {"text": "de kliko is vol"}, format="json")
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "classifier_unavailable"
