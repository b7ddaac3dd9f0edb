"""The link e-mail is owed from the moment of the offer (a `LinkMail` row): a mail server that
refuses does not lose it, it is sent once, and it is dropped when the offer is gone. (The broker
being away at the offer: test_link_mail_outage.py.)"""

import pytest
from django.utils import timezone

from backend.contractors.links import link_mails_due
from backend.contractors.models import AssignmentLink, LinkMail
from backend.contractors.services import assignment_withdraw
from backend.contractors.subscriber import contractors_publish
from backend.contractors.tasks import assignment_link_send_task
from backend.reports.actors import ActorRef
from backend.reports.models import ReportEvent
from tests.contractors.conftest import offered

pytestmark = pytest.mark.django_db


class _RefusingSMTP:
    """The mail server refusing: the boundary outside this machine."""

    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("relay down")


def _due() -> list:
    return list(link_mails_due())


def test_an_offer_owes_one_link_mail_even_when_the_outbox_hands_it_over_twice(
    link_firm, dispatcher, django_capture_on_commit_callbacks
):
    assignment = offered(link_firm, dispatcher)
    offer = ReportEvent.objects.get(report=assignment.report, type="assignment_offered")
    with django_capture_on_commit_callbacks() as queued_tasks:
        contractors_publish([offer])
    assert queued_tasks == []  # owed already: no second task
    owed = LinkMail.objects.get()
    assert (owed.assignment, owed.state, owed.attempts) == (assignment, "pending", 0)


def test_a_refused_mail_is_retried_later_and_then_sent_once(
    link_firm, dispatcher, settings, mailoutbox, django_capture_on_commit_callbacks
):
    assignment = offered(link_firm, dispatcher)
    settings.EMAIL_BACKEND = "tests.contractors.test_link_mail._RefusingSMTP"
    before = timezone.now()
    with django_capture_on_commit_callbacks() as retry:
        assert assignment_link_send_task(str(assignment.id)) == "retrying"
    assert len(retry) == 1  # the task's own retry, queued after commit
    owed = LinkMail.objects.get()
    assert owed.state == "pending" and owed.attempts == 1 and "relay down" in owed.last_error
    # The sweep looks after the task's own retry (a minute) was due.
    assert (owed.next_attempt_at - before).total_seconds() >= 60 + 30
    assert not AssignmentLink.objects.exists()  # no link exists that nobody has
    assert _due() == []

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    LinkMail.objects.update(next_attempt_at=timezone.now())
    assert _due() == [assignment.id]
    assert assignment_link_send_task(str(assignment.id)) == "sent"
    assert assignment_link_send_task(str(assignment.id)) == "skipped"
    assert len(mailoutbox) == 1 and AssignmentLink.objects.count() == 1
    owed.refresh_from_db()
    assert owed.state == "sent" and owed.attempts == 2 and owed.sent_at is not None
    assert _due() == []


def test_a_mail_refused_every_time_is_given_up_on(link_firm, dispatcher, settings, mailoutbox):
    settings.CONTRACTOR_LINK_MAIL_MAX_ATTEMPTS = 3
    settings.EMAIL_BACKEND = "tests.contractors.test_link_mail._RefusingSMTP"
    assignment_id = str(offered(link_firm, dispatcher).id)
    outcomes = [assignment_link_send_task(assignment_id) for _ in range(3)]
    assert outcomes == ["retrying", "retrying", "failed"]
    owed = LinkMail.objects.get()
    assert owed.state == "failed" and owed.attempts == 3
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert assignment_link_send_task(assignment_id) == "skipped"
    assert mailoutbox == [] and _due() == []


def test_an_offer_withdrawn_before_its_mail_went_is_no_longer_owed(
    link_firm, dispatcher, mailoutbox
):
    assignment = offered(link_firm, dispatcher)
    assignment_withdraw(assignment_id=assignment.id, actor=ActorRef.staff(dispatcher))
    assert assignment_link_send_task(str(assignment.id)) == "skipped"
    assert LinkMail.objects.get().state == "dropped"
    assert mailoutbox == [] and not AssignmentLink.objects.exists()
