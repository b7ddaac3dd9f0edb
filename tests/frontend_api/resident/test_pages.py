"""The resident's pages over HTTP, as a browser without JavaScript uses them: the form post,
the report page's forms, the public map's data, the installable app's files."""

import re

import pytest
from django.core import mail
from django.test import Client

from backend.notifications.models import Feedback, Subscription
from backend.reports.actors import ActorRef
from backend.reports.models import Report
from backend.reports.services import report_transition
from backend.reports.tracking import tracking_token_for
from tests.conftest import DAM, HAARLEM, stored_state
from tests.notifications.conftest import deliver
from tests.reports.factories import make_report
from tests.support.images import jpeg_bytes

pytestmark = pytest.mark.django_db

TEXT = "Er ligt een omgevallen boom over het fietspad"


@pytest.fixture
def client() -> Client:
    # A browser's cookies and CSRF checks, as the form without JavaScript meets them.
    return Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="nl")


def _form(client: Client) -> tuple[str, str]:
    page = client.get("/")
    assert page.status_code == 200
    html = page.content.decode()
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    key = re.search(r'name="idempotency_key" value="([^"]+)"', html).group(1)
    return csrf, key


def test_the_form_posts_without_javascript_and_lands_on_the_report_page(client):
    csrf, key = _form(client)
    photo = jpeg_bytes(320, 240)
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post(
        "/",
        {
            "csrfmiddlewaretoken": csrf,
            "idempotency_key": key,
            "text": TEXT,
            "lat": str(DAM[0]),
            "lon": str(DAM[1]),
            "category": "afval/container-is-vol",
            "email": "bewoner@example.nl",
            "phone": "",
            "photos": SimpleUploadedFile("boom.jpg", photo, content_type="image/jpeg"),
        },
    )
    report = Report.objects.get()
    token = tracking_token_for(report.id)
    assert response.status_code == 302 and response["Location"] == f"/r/{token}/"
    assert report.text == TEXT and report.source == "web"
    assert report.category.path == "afval/container-is-vol"
    assert report.reporter_email == "bewoner@example.nl"
    assert report.attachments.count() == 1
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert TEXT in page.content.decode()
    assert 'data-status="received"' in page.content.decode()
    # The same form posted again (a double tap, a reload): the same report, not a second.
    again = client.post(
        "/",
        {
            "csrfmiddlewaretoken": csrf,
            "idempotency_key": key,
            "text": TEXT,
            "lat": str(DAM[0]),
            "lon": str(DAM[1]),
            "category": "afval/container-is-vol",
            "email": "bewoner@example.nl",
            "photos": SimpleUploadedFile("boom.jpg", photo, content_type="image/jpeg"),
        },
    )
    assert again.status_code == 302 and again["Location"] == f"/r/{token}/"
    assert Report.objects.count() == 1


def test_an_invalid_form_comes_back_with_each_error_beside_its_field_and_what_was_typed(client):
    csrf, key = _form(client)
    before = stored_state()
    response = client.post(
        "/",
        {
            "csrfmiddlewaretoken": csrf,
            "idempotency_key": key,
            "text": "",
            "lat": str(DAM[0]),
            "lon": "",
            "email": "geen-adres",
            "phone": "12",
            "category": "bestaat/niet",
        },
    )
    assert response.status_code == 400
    html = response.content.decode()
    for field in ("text", "email", "phone", "category"):
        assert f'id="{field}-error"' in html, field
        assert re.search(rf'id="{field}"[^>]*aria-invalid="true"', html, re.S), field
    assert 'value="geen-adres"' in html and f'value="{DAM[0]}"' in html
    assert 'value="12"' in html and 'value="bestaat/niet" selected' not in html
    # In Dutch, beside the e-mail field.
    assert "geldig e-mailadres" in re.search(r'id="email-error">([^<]*)<', html).group(1)
    assert stored_state() == before


def test_a_place_outside_the_municipality_is_refused_beside_the_place(client):
    csrf, key = _form(client)
    response = client.post(
        "/",
        {
            "csrfmiddlewaretoken": csrf,
            "idempotency_key": key,
            "text": TEXT,
            "lat": str(HAARLEM[0]),
            "lon": str(HAARLEM[1]),
        },
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="lat-error"' in html and "buiten" in html
    assert f'value="{HAARLEM[0]}"' in html and TEXT in html
    assert Report.objects.count() == 0


def test_the_form_post_needs_its_csrf_token(client):
    response = client.post("/", {"text": TEXT, "lat": str(DAM[0]), "lon": str(DAM[1])})
    assert response.status_code == 403
    assert Report.objects.count() == 0


def test_the_place_check_says_outside_before_submitting_and_lists_nearby_reports(client):
    other = make_report(category="afval/container-is-vol", text="Geheim: mijn buurman")
    outside = client.get("/plek/", {"lat": HAARLEM[0], "lon": HAARLEM[1]}).content.decode()
    assert "buiten de gemeente" in outside
    near = client.get(
        "/plek/", {"lat": DAM[0], "lon": DAM[1], "category": "afval/container-is-vol"}
    ).content.decode()
    assert "in de gemeente" in near and "Volg deze melding" in near
    assert other.text not in near and tracking_token_for(other.id) not in near
    follow = re.search(r'action="(/volg/[^"]+/)"', near).group(1)
    answer = client.post(follow, {"email": "buur@example.nl"})
    assert answer.status_code == 200 and "buur@example.nl" in answer.content.decode()
    follower = Subscription.objects.get(report=other, origin="follower")
    assert follower.email == "buur@example.nl" and follower.confirmed_at is None


def test_the_public_map_gives_category_and_date_only(client):
    make_report(
        category="afval/container-is-vol",
        text="Geheime tekst",
        email="geheim@example.nl",
        phone="0612345678",
        allow_contact=True,
    )
    body = client.get("/kaart/meldingen.json").json()
    assert len(body["reports"]) == 1
    (row,) = body["reports"]
    assert set(row) == {"lat", "lon", "category_path", "category_nl", "category_en", "created_on"}
    raw = client.get("/kaart/meldingen.json").content.decode()
    for secret in ("Geheime tekst", "geheim@example.nl", "0612345678"):
        assert secret not in raw
    assert client.get(
        "/kaart/meldingen.json", {"category": "wegen-verkeer-straatmeubilair"}
    ).json() == {"reports": []}
    assert client.get("/kaart/meldingen.json", {"category": "afval"}).json()["reports"] == [row]
    outline = client.get("/kaart/gebied.json").json()
    assert {f["properties"]["type"] for f in outline["features"]} >= {"municipality", "district"}


def test_the_reply_and_the_feedback_forms_of_the_report_page(client):
    report = make_report(email="r@example.nl", allow_contact=True)
    token = tracking_token_for(report.id)
    staff = ActorRef.staff(None)
    report_transition(
        report_id=report.id, actor=staff, to="info_requested", public_text="Welke paal?"
    )
    page = client.get(f"/r/{token}/").content.decode()
    assert "Welke paal?" in page and 'id="reply-form"' in page
    empty = client.post(f"/r/{token}/antwoord/", {"text": ""})
    assert empty.status_code == 400 and 'id="reply-text-error"' in empty.content.decode()
    sent = client.post(f"/r/{token}/antwoord/", {"text": "Paal 12 bij de brug"})
    assert sent.status_code == 302
    assert sent["Location"] == f"/r/{token}/?done=reply#reply"
    report.refresh_from_db()
    assert report.status != "info_requested"
    # The timeline says whose words these are (a reply has no status text of its own).
    answered = client.get(f"/r/{token}/", HTTP_ACCEPT_LANGUAGE="nl").content.decode()
    assert re.search(
        r'Uw antwoord:<br><span class="event-text">Paal 12 bij de brug</span>', answered
    )
    report_transition(report_id=report.id, actor=staff, to="closed", resolution="fixed")
    page = client.get(f"/r/{token}/").content.decode()
    assert 'id="feedback-form"' in page
    unsure = client.post(f"/r/{token}/feedback/", {"text": "?"})
    assert unsure.status_code == 400 and not Feedback.objects.exists()
    given = client.post(f"/r/{token}/feedback/", {"satisfied": "false", "text": "Nog steeds kapot"})
    assert given.status_code == 302
    feedback = Feedback.objects.get(report=report)
    assert feedback.satisfied is False and feedback.text == "Nog steeds kapot"
    report.refresh_from_db()
    assert report.status == "reopen_requested"
    again = client.post(f"/r/{token}/feedback/", {"satisfied": "true"})
    assert again.status_code == 409
    assert Feedback.objects.filter(report=report).count() == 1


def test_every_link_in_the_residents_mails_lands_on_a_page(client, settings):
    report = make_report(email="r@example.nl", allow_contact=True)
    report_transition(
        report_id=report.id, actor=ActorRef.staff(None), to="closed", resolution="fixed"
    )
    deliver()
    links = set()
    for message in mail.outbox:
        links.update(re.findall(r"http://testserver(/\S+)", message.body))
    token = tracking_token_for(report.id)
    assert f"/r/{token}/" in links and f"/r/{token}/#feedback-title" in links
    for link in links:
        page = client.get(link.split("#")[0], HTTP_ACCEPT="text/html,*/*;q=0.8")
        assert page.status_code == 200, link
        assert page["Content-Type"].startswith("text/html"), link
    # The report page's own unsubscribe (the mail's link is the API's page, tested there).
    assert 'id="mail-unsubscribe"' in client.get(f"/r/{token}/").content.decode()
    gone = client.post(f"/r/{token}/afmelden/")
    assert gone.status_code == 302
    assert not Subscription.objects.filter(
        report=report, origin="reporter", channel="email"
    ).exists()


def test_an_unknown_token_is_a_page_not_found(client):
    page = client.get("/r/niet-bestaand/")
    assert page.status_code == 404 and "Melding niet gevonden" in page.content.decode()


def test_the_app_is_installable_manifest_and_service_worker(client):
    manifest = client.get("/manifest.webmanifest")
    assert manifest["Content-Type"] == "application/manifest+json"
    body = manifest.json()
    assert body["start_url"] == "/" and body["display"] == "standalone"
    assert {icon["sizes"] for icon in body["icons"]} == {"192x192", "512x512"}
    for icon in body["icons"]:
        assert client.get(icon["src"]).status_code == 200
    worker = client.get("/sw.js")
    assert worker["Content-Type"].startswith("text/javascript")
    source = worker.content.decode()
    assert "__SHELL__" not in source and "/static/resident/outbox.js" in source
    home = client.get("/").content.decode()
    assert 'rel="manifest"' in home


def test_the_pages_are_under_the_strict_csp_and_switch_to_english(client):
    page = client.get("/")
    policy = page["Content-Security-Policy"]
    assert "script-src 'self' 'nonce-" in policy and "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy
    html = page.content.decode()
    # Every script is a file of ours, or carries the nonce.
    for tag in re.findall(r"<script[^>]*>", html):
        assert 'src="/static/' in tag or "nonce=" in tag, tag
    assert '<html lang="nl">' in html
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    switched = client.post(
        "/i18n/setlang/", {"language": "en", "next": "/", "csrfmiddlewaretoken": csrf}
    )
    assert switched.status_code == 302
    english = client.get("/").content.decode()
    assert '<html lang="en">' in english and "Report a problem in public space" in english
