"""The resident answers: feedback after closing, a reply to a question, following a report; and
staff merging a duplicate, whose resident then follows the surviving report."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from rest_framework.test import APIClient
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from backend.notifications.models import Feedback, Subscription
from backend.reports.actors import ActorRef
from backend.reports.models import Attachment, Report, ReportEvent
from backend.reports.services import report_transition
from backend.reports.tracking import tracking_token_for
from tests.notifications.conftest import deliver
from tests.reports.factories import make_report
from tests.support import images

pytestmark = pytest.mark.django_db


def _url(report, suffix):
    return f"/api/v1/public/reports/{tracking_token_for(report.id)}/{suffix}"


def _close(report, resolution="fixed"):
    return report_transition(
        report_id=report.id, actor=ActorRef.staff(None), to="closed", resolution=resolution
    )


# --- feedback ---------------------------------------------------------------------------------


def test_satisfied_feedback_is_recorded_once_per_closing(public_client):
    report = make_report()
    _close(report)
    response = public_client.post(_url(report, "feedback/"), {"satisfied": True}, format="json")
    assert response.status_code == 201
    assert response.json()["status"] == "closed"
    feedback = Feedback.objects.get(report=report)
    assert feedback.satisfied and feedback.closing_seq == 3
    event = ReportEvent.objects.get(report=report, type="feedback_received")
    assert not event.is_public and event.internal_payload["satisfied"] is True
    again = public_client.post(_url(report, "feedback/"), {"satisfied": False}, format="json")
    assert again.status_code == 409
    assert Report.objects.get(pk=report.pk).status == "closed"


def test_unsatisfied_feedback_asks_to_reopen_and_a_later_closing_takes_new_feedback(
    public_client,
):
    report = make_report()
    _close(report)
    response = public_client.post(
        _url(report, "feedback/"),
        {"satisfied": False, "text": "De container is nog steeds vol"},
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["status"] == "reopen_requested"
    last = ReportEvent.objects.filter(report=report).order_by("-seq").first()
    assert last.type == "status_changed" and last.is_public and last.actor_kind == "resident"
    assert last.public_payload == {"status": "reopen_requested"}  # the resident's text stays inside
    assert Feedback.objects.get(report=report).text == "De container is nog steeds vol"
    report_transition(report_id=report.id, actor=ActorRef.staff(None), to="reopened")
    _close(report)
    second = public_client.post(_url(report, "feedback/"), {"satisfied": True}, format="json")
    assert second.status_code == 201
    assert Feedback.objects.filter(report=report).count() == 2


def test_feedback_window_and_state(public_client, settings):
    report = make_report()
    not_closed = public_client.post(_url(report, "feedback/"), {"satisfied": True}, format="json")
    assert not_closed.status_code == 409
    _close(report)
    Report.objects.filter(pk=report.pk).update(
        closed_at=timezone.now() - timedelta(days=settings.FEEDBACK_WINDOW_DAYS, minutes=1)
    )
    late = public_client.post(_url(report, "feedback/"), {"satisfied": False}, format="json")
    assert late.status_code == 410
    assert late.json()["error"]["code"] == "gone"
    assert not Feedback.objects.exists()
    assert Report.objects.get(pk=report.pk).status == "closed"
    invalid = public_client.post(_url(report, "feedback/"), {"text": "?"}, format="json")
    assert invalid.status_code == 400 and "satisfied" in invalid.json()["error"]["fields"]
    assert (
        public_client.post(
            _url(report, "feedback/").replace("/reports/", "/reports/x"), {}
        ).status_code
        == 404
    )


# --- reply to an information request -----------------------------------------------------------


def test_a_reply_adds_a_public_event_and_returns_the_report_to_where_it_was(public_client):
    report = make_report(email="r@example.nl", allow_contact=True)
    staff = ActorRef.staff(None)
    report_transition(report_id=report.id, actor=staff, to="in_progress")
    report_transition(
        report_id=report.id, actor=staff, to="info_requested", public_text="Welk huisnummer?"
    )
    deliver()
    mails = len(mail.outbox)
    response = public_client.post(_url(report, "reply/"), {"text": "Bij nummer 12"}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "in_progress"
    timeline = public_client.get(_url(report, "")).json()["timeline"]
    assert [(e["type"], e["status"], e["text"]) for e in timeline[-3:]] == [
        ("status_changed", "info_requested", "Welk huisnummer?"),
        ("resident_replied", "", "Bij nummer 12"),
        ("status_changed", "in_progress", ""),
    ]
    deliver()
    assert len(mail.outbox) == mails  # the resident is not mailed about their own answer
    again = public_client.post(_url(report, "reply/"), {"text": "nog iets"}, format="json")
    assert again.status_code == 409


def test_a_reply_with_photos_goes_through_the_photo_pipeline(public_client):
    report = make_report()
    report_transition(
        report_id=report.id, actor=ActorRef.staff(None), to="info_requested", public_text="Foto?"
    )
    photo = SimpleUploadedFile(
        "IMG.jpg", images.jpeg_bytes(640, 480, gps=(52.37, 4.89)), content_type="image/jpeg"
    )
    response = public_client.post(
        _url(report, "reply/"), {"text": "Hier is een foto", "photos": [photo]}, format="multipart"
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "received"
    attachment = Attachment.objects.get(report=report)
    assert attachment.state == "pending" and attachment.original_path  # processed by the task
    replied = ReportEvent.objects.get(report=report, type="resident_replied")
    assert replied.internal_payload["attachments"] == [str(attachment.id)]


def test_a_reply_needs_text_and_refuses_non_images(public_client):
    report = make_report()
    report_transition(
        report_id=report.id, actor=ActorRef.staff(None), to="info_requested", public_text="?"
    )
    fake = SimpleUploadedFile("x.jpg", images.text_as_jpeg_bytes(), content_type="image/jpeg")
    response = public_client.post(
        _url(report, "reply/"), {"text": "", "photos": [fake]}, format="multipart"
    )
    assert response.status_code == 400
    assert {"text", "photos.0"} <= set(response.json()["error"]["fields"])
    assert Report.objects.get(pk=report.pk).status == "info_requested"
    assert not Attachment.objects.filter(report=report).exists()


# --- follow ------------------------------------------------------------------------------------


def _confirm_path(message) -> str:
    """The confirmation link in a mail, as a path for the test client."""
    (line,) = [line for line in message.body.splitlines() if "/api/v1/public/confirm/" in line]
    return line.strip().removeprefix("http://testserver")


def test_following_by_mail_waits_for_the_address_owner_to_confirm(public_client):
    report = make_report(email="reporter@example.nl", allow_contact=True)
    deliver()
    response = public_client.post(
        _url(report, "follow/"), {"email": "Buurman@Example.nl", "language": "en"}, format="json"
    )
    assert response.status_code == 201
    assert response.json()["confirmed"] is False
    again = public_client.post(
        _url(report, "follow/"), {"email": "buurman@example.nl"}, format="json"
    )
    assert again.status_code == 200 and again.json()["id"] == response.json()["id"]
    assert ReportEvent.objects.filter(report=report, type="follower_added").count() == 1
    report_transition(report_id=report.id, actor=ActorRef.staff(None), to="in_progress")
    deliver()
    # One mail to the address: the confirmation request (the second follow sent none), and
    # no news about the report before its owner confirms.
    (request,) = [m for m in mail.outbox if m.to == ["buurman@example.nl"]]
    assert request.subject == "Please confirm you want to follow a report: Container is full"
    assert "reporter@example.nl" not in request.body
    assert tracking_token_for(report.id) not in request.body
    path = _confirm_path(request)
    page = public_client.get(path)
    assert page.status_code == 200 and b'<form method="post"' in page.content
    assert Subscription.objects.get(email="buurman@example.nl").confirmed_at is None
    confirmed = public_client.post(path)
    assert confirmed.status_code == 200 and confirmed.json() == {"confirmed": True}
    assert ReportEvent.objects.filter(report=report, type="follower_confirmed").count() == 1
    assert public_client.post(path).status_code == 404  # the link works once
    assert public_client.get(path).status_code == 404
    mail.outbox.clear()
    report_transition(report_id=report.id, actor=ActorRef.staff(None), to="scheduled")
    deliver()
    (news,) = [m for m in mail.outbox if m.to == ["buurman@example.nl"]]
    assert news.subject.startswith("News about your report")
    assert "reporter@example.nl" not in news.body


def test_a_confirmation_by_form_answers_with_a_page(public_client):
    report = make_report()
    public_client.post(_url(report, "follow/"), {"email": "n@example.nl"}, format="json")
    deliver()
    (request,) = mail.outbox
    assert request.subject.startswith("Bevestig dat u een melding wilt volgen")
    page = public_client.post(
        _confirm_path(request), "", content_type="application/x-www-form-urlencoded"
    )
    assert page.status_code == 200 and b"Bevestigd" in page.content
    assert Subscription.objects.get(email="n@example.nl").confirmed_at is not None


def test_a_push_follower_and_the_reporter_need_no_confirmation(public_client, vapid):
    from tests.notifications.conftest import PUSH_SUBSCRIPTION

    report = make_report(email="reporter@example.nl", allow_contact=True)
    deliver()
    push = public_client.post(_url(report, "follow/"), {"push": PUSH_SUBSCRIPTION}, format="json")
    assert push.status_code == 201 and push.json()["confirmed"] is True
    assert not Subscription.objects.filter(report=report, confirmed_at__isnull=True).exists()


def test_addresses_nobody_confirmed_are_forgotten_after_the_confirmation_window(
    public_client, settings
):
    from backend.notifications.tasks import contact_details_erase_due

    report = make_report()
    public_client.post(_url(report, "follow/"), {"email": "late@example.nl"}, format="json")
    public_client.post(_url(report, "follow/"), {"email": "kept@example.nl"}, format="json")
    deliver()
    kept = Subscription.objects.get(email="kept@example.nl")
    public_client.post(_confirm_path(next(m for m in mail.outbox if m.to == [kept.email])))
    assert contact_details_erase_due() == 0  # nothing is old enough yet
    old = timezone.now() - timedelta(days=settings.SUBSCRIPTION_CONFIRM_DAYS, minutes=1)
    Subscription.objects.filter(report=report).update(created_at=old)
    assert contact_details_erase_due() == 1
    assert list(Subscription.objects.values_list("email", flat=True)) == ["kept@example.nl"]


def test_follow_needs_exactly_one_channel(public_client, settings):
    report = make_report()
    neither = public_client.post(_url(report, "follow/"), {}, format="json")
    assert neither.status_code == 400
    assert set(neither.json()["error"]["fields"]) == {"email", "push"}
    bad = public_client.post(_url(report, "follow/"), {"email": "not-an-address"}, format="json")
    assert bad.status_code == 400 and "email" in bad.json()["error"]["fields"]
    settings.VAPID_PRIVATE_KEY = ""
    from tests.notifications.conftest import PUSH_SUBSCRIPTION

    push = public_client.post(_url(report, "follow/"), {"push": PUSH_SUBSCRIPTION}, format="json")
    assert push.status_code == 503
    assert not Subscription.objects.exists()


# --- merge -------------------------------------------------------------------------------------


def test_merging_a_duplicate_closes_it_and_its_resident_follows_the_survivor(
    staff_client, public_client
):
    survivor = make_report(email="first@example.nl", allow_contact=True)
    duplicate = make_report(email="second@example.nl", allow_contact=True, language="en")
    deliver()
    public_client.post(_url(duplicate, "follow/"), {"email": "third@example.nl"}, format="json")
    public_client.post(_url(duplicate, "follow/"), {"email": "fourth@example.nl"}, format="json")
    deliver()
    third_request = next(m for m in mail.outbox if m.to == ["third@example.nl"])
    assert public_client.post(_confirm_path(third_request)).status_code == 200
    response = staff_client.post(
        f"/api/v1/staff/reports/{duplicate.id}/merge/", {"into": str(survivor.id)}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json() == {
        "id": str(duplicate.id),
        "status": "closed",
        "resolution": "duplicate",
        "merged_into": str(survivor.id),
    }
    assert ReportEvent.objects.get(report=duplicate, type="merged").internal_payload == {
        "into": str(survivor.id),
        "followers": 2,
    }
    assert ReportEvent.objects.filter(report=survivor, type="duplicate_merged").exists()
    deliver()
    closing = [m for m in mail.outbox if m.to == ["second@example.nl"]][-1]
    assert closing.subject.startswith("Your report has been closed")
    assert "This problem had already been reported" in closing.body
    mail.outbox.clear()
    report_transition(report_id=survivor.id, actor=ActorRef.staff(None), to="in_progress")
    deliver()
    # fourth@ never confirmed: not carried over to the survivor, and mailed nothing.
    assert sorted(m.to[0] for m in mail.outbox) == [
        "first@example.nl",
        "second@example.nl",
        "third@example.nl",
    ]
    english = next(m for m in mail.outbox if m.to == ["second@example.nl"])
    assert "Work on your report is in progress." in english.body


def test_merge_refusals(staff_client, public_client):
    report, other = make_report(), make_report()
    url = f"/api/v1/staff/reports/{report.id}/merge/"
    itself = staff_client.post(url, {"into": str(report.id)}, format="json")
    assert itself.status_code == 400 and "into" in itself.json()["error"]["fields"]
    missing = staff_client.post(
        url, {"into": "00000000-0000-0000-0000-000000000000"}, format="json"
    )
    assert missing.status_code == 400 and "into" in missing.json()["error"]["fields"]
    assert staff_client.post(url, {"into": "nope"}, format="json").status_code == 400
    assert public_client.post(url, {"into": str(other.id)}, format="json").status_code == 401
    _close(other)
    closed_target = staff_client.post(url, {"into": str(other.id)}, format="json")
    assert closed_target.status_code == 409
    assert Report.objects.get(pk=report.pk).status == "received"
    assert Report.objects.get(pk=report.pk).merged_into_id is None


def test_a_possible_duplicate_is_followed_with_its_follow_token_which_does_not_open_it(
    public_client,
):
    from tests.conftest import DAM

    first = make_report(email="first@example.nl", allow_contact=True)
    response = public_client.post(
        "/api/v1/public/reports/",
        {
            "text": "Container vol",
            "category": "afval/container-is-vol",
            "lat": DAM[0],
            "lon": DAM[1],
        },
        format="json",
    )
    assert response.status_code == 201
    (duplicate,) = response.json()["possible_duplicates"]
    follow_token = duplicate["follow_token"]
    assert tracking_token_for(first.id) not in response.content.decode()
    assert str(first.id) not in response.content.decode()
    assert public_client.get(f"/api/v1/public/reports/{follow_token}/").status_code == 404
    tampered = follow_token[:-1] + ("A" if follow_token[-1] != "A" else "B")
    assert (
        public_client.post(
            f"/api/v1/public/reports/{tampered}/follow/", {"email": "n@example.nl"}, format="json"
        ).status_code
        == 404
    )
    followed = public_client.post(
        f"/api/v1/public/reports/{follow_token}/follow/", {"email": "n@example.nl"}, format="json"
    )
    assert followed.status_code == 201
    assert Subscription.objects.get(email="n@example.nl").report_id == first.id
    deliver()
    (request,) = [m for m in mail.outbox if m.to == ["n@example.nl"]]
    assert public_client.post(_confirm_path(request)).status_code == 200
    mail.outbox.clear()
    _close(first)
    deliver()
    (to_follower,) = [m for m in mail.outbox if m.to == ["n@example.nl"]]
    assert "Het probleem is opgelost." in to_follower.body
    # The news, not the key: no tracking link, no feedback link for someone else's report.
    assert tracking_token_for(first.id) not in to_follower.body
    assert "/feedback/" not in to_follower.body
    (to_reporter,) = [
        m for m in mail.outbox if m.to == ["first@example.nl"] and "afgehandeld" in m.subject
    ]
    assert tracking_token_for(first.id) in to_reporter.body


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_confirmation_page_in_a_browser(browser, live_server, settings):
    """A real Chromium opens the mailed link: the page confirms only on the button."""
    settings.PUBLIC_BASE_URL = live_server.url
    report = make_report()
    assert (
        APIClient()
        .post(_url(report, "follow/"), {"email": "n@example.nl", "language": "en"}, format="json")
        .status_code
        == 201
    )
    deliver()
    (request,) = mail.outbox
    browser.get(live_server.url + _confirm_path(request).removeprefix(live_server.url))
    assert browser.find_element(By.TAG_NAME, "h1").text == "Follow this report"
    assert Subscription.objects.get(email="n@example.nl").confirmed_at is None
    browser.find_element(By.TAG_NAME, "button").click()
    # The form posts and the page is replaced: the heading is read in one script, within one
    # document, as an element found a moment before may be gone (stale, or in Chromium an
    # "unhandled inspector error").
    WebDriverWait(browser, 15).until(
        lambda driver: (
            driver.execute_script(
                "const heading = document.querySelector('h1');"
                "return heading ? heading.textContent.trim() : null;"
            )
            == "Confirmed"
        )
    )
    assert Subscription.objects.get(email="n@example.nl").confirmed_at is not None
