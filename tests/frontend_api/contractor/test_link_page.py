"""The one-time-link page of organisations without a system of their own: what it shows,
and accepting, completing and rejecting through it."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from backend.contractors.models import AssignmentLink
from backend.contractors.services import assignment_withdraw
from backend.reports.actors import ActorRef
from backend.reports.models import Attachment
from tests.contractors.conftest import offered, refreshed, sent_link_token
from tests.support import images

pytestmark = pytest.mark.django_db


def test_the_page_shows_the_work_and_nothing_of_the_resident(link_firm, dispatcher):
    assignment = offered(link_firm, dispatcher)
    token = sent_link_token(assignment)
    response = Client().get(f"/contractor/link/{token}/")
    assert response.status_code == 200
    html = response.content.decode()
    report = refreshed(assignment.report)
    assert report.text in html
    assert f"{report.location.y:.6f}, {report.location.x:.6f}" in html
    assert 'capture="environment"' not in html  # not accepted yet: only accept / reject
    assert 'id="accept"' in html and 'id="reject"' in html
    assert "bewoner@example.nl" not in html and "612345678" not in html
    assert response["Referrer-Policy"] == "no-referrer"
    assert response["Cache-Control"] == "no-store"
    # Nothing is loaded from elsewhere: no external scripts, styles or map tiles.
    assert not re.search(r'<(script|link|img)[^>]+(src|href)="https?://(?!testserver)', html)


@pytest.mark.parametrize("language", ["nl", "en"])
def test_the_assignments_state_is_named_in_the_pages_dutch_whatever_the_browser_asks(
    link_firm, dispatcher, language
):
    token = sent_link_token(offered(link_firm, dispatcher))
    html = Client().get(f"/contractor/link/{token}/", HTTP_ACCEPT_LANGUAGE=language).content
    assert re.search(r'id="assignment-state" data-state="offered">Aangeboden<', html.decode())


def test_accept_then_complete_through_the_page(link_firm, dispatcher):
    assignment = offered(link_firm, dispatcher)
    token = sent_link_token(assignment)
    page = f"/contractor/link/{token}/"
    client = Client()
    response = client.post(page, {"action": "accept"})
    assert response.status_code == 303 and response["Location"].endswith("?done=accept")
    assert 'capture="environment"' in client.get(page).content.decode()
    photo = images.jpeg_bytes(400, 300)
    response = client.post(
        page,
        {
            "action": "complete",
            "note": "Klaar",
            "resolution": "fixed",
            "photos": [SimpleUploadedFile("na.jpg", photo, content_type="image/jpeg")],
        },
    )
    assert response.status_code == 303
    assignment.refresh_from_db()
    assert assignment.state == "completed" and assignment.completion_note == "Klaar"
    assert Attachment.objects.filter(report=assignment.report, kind="contractor").count() == 1
    events = assignment.report.events.filter(type="assignment_completed").get()
    assert events.actor_kind == "contractor" and events.actor_id is None
    # Finished: the page still shows it, further steps are conflicts.
    assert client.get(page).status_code == 200
    assert client.post(page, {"action": "accept"}).status_code == 409


def test_page_input_errors_are_400_and_name_the_field(link_firm, dispatcher):
    assignment = offered(link_firm, dispatcher)
    page = f"/contractor/link/{sent_link_token(assignment)}/"
    response = Client().post(page, {"action": "reject", "reason": ""})
    assert response.status_code == 400 and "reason" in response.content.decode()
    response = Client().post(page, {"action": "explode"})
    assert response.status_code == 400
    assignment.refresh_from_db()
    assert assignment.state == "offered"
    response = Client().post(page, {"action": "reject", "reason": "Geen tijd"})
    assert response.status_code == 303
    assignment.refresh_from_db()
    assert assignment.state == "rejected" and assignment.reject_reason == "Geen tijd"


def test_withdrawal_revokes_and_expiry_ends_the_link(link_firm, dispatcher):
    first = offered(link_firm, dispatcher)
    token = sent_link_token(first)
    assignment_withdraw(assignment_id=first.id, actor=ActorRef.staff(dispatcher))
    response = Client().get(f"/contractor/link/{token}/")
    assert response.status_code == 404 and first.report.text not in response.content.decode()
    assert Client().post(f"/contractor/link/{token}/", {"action": "accept"}).status_code == 404

    second = offered(link_firm, dispatcher)
    token = sent_link_token(second)
    AssignmentLink.objects.filter(assignment=second).update(expires_at=timezone.now())
    assert Client().get(f"/contractor/link/{token}/").status_code == 404
    assert Client().get("/contractor/link/not-a-token/").status_code == 404


def test_a_deactivated_organisations_link_takes_no_work(link_firm, dispatcher):
    # Issue #14, finding 4: a link mailed before the organisation was switched off.
    assignment = offered(link_firm, dispatcher)
    token = sent_link_token(assignment)
    link_firm.is_active = False
    link_firm.save(update_fields=["is_active"])
    response = Client().get(f"/contractor/link/{token}/")
    assert response.status_code == 404
    assert assignment.report.text not in response.content.decode()
    assert Client().post(f"/contractor/link/{token}/", {"action": "accept"}).status_code == 404
    assignment.refresh_from_db()
    assert assignment.state == "offered"
