"""A report's language (that of its mails and status texts): given, or told from its text,
or the app's Accept-Language where the text does not tell, or Dutch."""

import pytest
from django.core import mail

from backend.reports.models import Report
from tests.conftest import DAM
from tests.notifications.conftest import deliver

pytestmark = pytest.mark.django_db
URL = "/api/v1/public/reports/"


def _post(client, text, **extra):
    headers = {k: extra.pop(k) for k in list(extra) if k.startswith("HTTP_")}
    body = {
        "text": text,
        "lat": DAM[0],
        "lon": DAM[1],
        "category": "afval/container-is-vol",
        "email": "bewoner@example.nl",
        "allow_contact": True,
        **extra,
    }
    response = client.post(URL, body, format="json", **headers)
    assert response.status_code == 201, response.content
    return response, Report.objects.get(pk=response.json()["id"])


@pytest.mark.parametrize(
    "text",
    [
        "The bin on the corner is overflowing again",
        "Someone dumped bags of rubbish next to the container",
        "container full since saturday please empty it",
    ],
)
def test_an_english_report_without_a_language_is_english_and_so_is_its_mail(public_client, text):
    response, report = _post(public_client, text)
    assert report.language == "en"
    assert response.json()["status_text"] == "Your report has been received and will be reviewed."
    assert deliver() == ["sent"]
    (message,) = mail.outbox
    assert message.subject == "Your report has been received: Container is full"
    assert "Thank you for your report." in message.body
    assert "No more messages about this report? Unsubscribe:" in message.body


def test_a_dutch_report_is_dutch_whatever_the_app_asked_for(public_client):
    _, report = _post(
        public_client, "De container bij de flat zit weer vol", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert report.language == "nl"
    deliver()
    assert mail.outbox[0].subject == "Uw melding is ontvangen: Container is vol"


@pytest.mark.parametrize(
    ("accept_language", "language"), [(None, "nl"), ("nl", "nl"), ("en", "en"), ("fr", "nl")]
)
def test_a_text_that_does_not_tell_follows_accept_language_else_dutch(
    public_client, accept_language, language
):
    headers = {"HTTP_ACCEPT_LANGUAGE": accept_language} if accept_language else {}
    _, report = _post(public_client, "Container!!", **headers)
    assert report.language == language


@pytest.mark.parametrize(
    ("text", "given"),
    [("The bin on the corner is overflowing again", "nl"), ("De container is vol", "en")],
)
def test_a_given_language_wins(public_client, text, given):
    _, report = _post(public_client, text, language=given, HTTP_ACCEPT_LANGUAGE="fr")
    assert report.language == given


def test_a_retry_asking_another_language_is_the_same_request(public_client):
    """The report's language is settled after the Idempotency-Key's fingerprint is taken."""
    first, report = _post(public_client, "Container!!", HTTP_IDEMPOTENCY_KEY="k-1")
    retry, _ = _post(
        public_client, "Container!!", HTTP_IDEMPOTENCY_KEY="k-1", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert retry.json()["id"] == first.json()["id"]
    assert Report.objects.count() == 1 and report.language == "nl"
