"""E-mail to the resident: confirmation, each public status change, closing with feedback link."""

import pytest
from django.core import mail

from backend.notifications.delivery import deliveries_create, mail_delivery_send
from backend.notifications.models import MailDelivery, MailTemplate, Subscription
from backend.reports.actors import ActorRef
from backend.reports.models import ReportEvent
from backend.reports.services import report_note_add, report_transition
from backend.reports.tracking import tracking_token_for
from backend.taxonomy.selectors import category_by_path
from tests.notifications.conftest import deliver
from tests.reports.factories import make_report

pytestmark = pytest.mark.django_db


def _staff():
    return ActorRef.staff(None)


def test_the_reporter_gets_a_confirmation_with_the_tracking_link_and_an_unsubscribe_link():
    report = make_report(email="Bewoner@Example.nl", allow_contact=True)
    assert deliver() == ["sent"]
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["Bewoner@Example.nl"]
    assert message.subject == "Uw melding is ontvangen: Container is vol"
    assert tracking_token_for(report.id) in message.body
    subscription = Subscription.objects.get(report=report)
    assert subscription.origin == "reporter"
    assert "/api/v1/public/unsubscribe/" in message.body
    assert message.extra_headers["List-Unsubscribe"].startswith("<http://testserver/api/v1/")
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_no_mail_without_consent_or_address():
    make_report(email="bewoner@example.nl", allow_contact=False)
    make_report(phone="0612345678", allow_contact=True)
    assert deliver() == []
    assert mail.outbox == []
    assert not Subscription.objects.exists()


def test_each_public_status_change_is_mailed_in_the_reports_language_without_internal_details(
    dispatcher,
):
    report = make_report(email="r@example.nl", allow_contact=True, language="en")
    deliver()
    staff = ActorRef.staff(dispatcher)
    report_note_add(report_id=report.id, author=dispatcher, text="Geheime notitie van Piet")
    report_transition(report_id=report.id, actor=staff, to="in_progress")
    report_transition(
        report_id=report.id, actor=staff, to="info_requested", public_text="Which side of the road?"
    )
    assert deliver() == ["sent", "sent"]
    confirmation, progress, question = mail.outbox
    assert confirmation.subject.startswith("Your report has been received")
    assert progress.subject == "News about your report: Container is full"
    assert "Work on your report is in progress." in progress.body
    assert question.subject.startswith("We have a question about your report")
    assert "Which side of the road?" in question.body
    for message in mail.outbox:
        assert "Geheime notitie" not in message.body and "Piet" not in message.body
        assert "dispatcher" not in message.body


def test_closing_mail_tells_the_resolution_and_links_to_feedback():
    report = make_report(email="r@example.nl", allow_contact=True)
    report_transition(
        report_id=report.id,
        actor=_staff(),
        to="closed",
        resolution="not_our_responsibility",
        public_text="Dit is een zaak van Rijkswaterstaat.",
    )
    deliver()
    closing = mail.outbox[-1]
    assert closing.subject == "Uw melding is afgehandeld: Container is vol"
    assert "Dit valt niet onder de verantwoordelijkheid van de gemeente." in closing.body
    assert "Dit is een zaak van Rijkswaterstaat." in closing.body
    token = tracking_token_for(report.id)
    # The link opens the report page with its feedback form (frontend_api/resident).
    assert f"http://testserver/r/{token}/#feedback-title" in closing.body
    assert "14 dagen" in closing.body


def test_a_send_task_running_twice_sends_once_and_a_retried_batch_adds_no_rows():
    report = make_report(email="r@example.nl", allow_contact=True)
    deliver()
    delivery = MailDelivery.objects.get()
    assert mail_delivery_send(delivery_id=delivery.pk) == "skipped"
    # The subscriber handed the same events again (a publisher retried after a crash).
    events = list(ReportEvent.objects.filter(report=report))
    deliveries_create(events)
    deliveries_create(events)
    assert MailDelivery.objects.count() == 1
    assert deliver() == []
    assert len(mail.outbox) == 1


class _BrokenSMTP:
    """The SMTP relay being down: the boundary outside this machine."""

    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("relay down")


def test_a_failing_relay_is_retried_with_backoff_then_recorded_as_an_internal_event(settings):
    settings.EMAIL_BACKEND = "tests.notifications.test_mail._BrokenSMTP"
    settings.DELIVERY_MAX_ATTEMPTS = 3
    report = make_report(email="r@example.nl", allow_contact=True)
    assert deliver() == ["retrying"]
    delivery = MailDelivery.objects.get()
    assert delivery.attempts == 1 and delivery.state == "pending"
    assert "relay down" in delivery.last_error
    first_wait = delivery.next_attempt_at
    assert mail_delivery_send(delivery_id=delivery.pk) == "retrying"
    delivery.refresh_from_db()
    assert delivery.next_attempt_at > first_wait  # backing off
    assert mail_delivery_send(delivery_id=delivery.pk) == "failed"
    delivery.refresh_from_db()
    assert delivery.state == "failed" and delivery.attempts == 3
    failed = ReportEvent.objects.get(report=report, type="mail_failed")
    assert not failed.is_public
    assert failed.internal_payload["event_seq"] == 1
    assert mail_delivery_send(delivery_id=delivery.pk) == "skipped"


def test_admin_overrides_win_over_files_most_specific_first():
    MailTemplate.objects.create(
        kind="status_changed", language="nl", subject="Algemeen", body="Algemeen: {{ status_text }}"
    )
    MailTemplate.objects.create(
        kind="scheduled",
        language="nl",
        category=category_by_path("afval/container-is-vol"),
        subject="Container ingepland",
        body="We legen de container {{ text }}.",
    )
    report = make_report(email="r@example.nl", allow_contact=True)
    report_transition(report_id=report.id, actor=_staff(), to="in_progress")
    report_transition(report_id=report.id, actor=_staff(), to="scheduled", public_text="morgen")
    deliver()
    confirmation, progress, scheduled = mail.outbox
    assert confirmation.subject.startswith("Uw melding is ontvangen")  # the file still
    assert progress.subject == "Algemeen"
    assert progress.body.startswith("Algemeen: Er wordt aan uw melding gewerkt.")
    assert scheduled.subject == "Container ingepland"
    assert scheduled.body.startswith("We legen de container morgen.")
    assert "/api/v1/public/unsubscribe/" in scheduled.body  # always appended


def test_unsubscribe_link_page_and_one_click(public_client):
    report = make_report(email="r@example.nl", allow_contact=True)
    deliver()
    url = mail.outbox[0].extra_headers["List-Unsubscribe"].strip("<>")
    path = url.removeprefix("http://testserver")
    page = public_client.get(path)
    assert page.status_code == 200 and b'<form method="post"' in page.content
    assert Subscription.objects.filter(report=report).exists()  # GET changed nothing
    one_click = public_client.post(path, {"List-Unsubscribe": "One-Click"})
    assert one_click.status_code == 200 and one_click.json() == {"unsubscribed": True}
    assert not Subscription.objects.filter(report=report).exists()
    report_transition(report_id=report.id, actor=_staff(), to="in_progress")
    deliver()
    assert len(mail.outbox) == 1
    assert public_client.post(path).status_code == 404


def test_a_pending_mail_to_someone_who_unsubscribed_is_dropped():
    report = make_report(email="r@example.nl", allow_contact=True)
    from tests.notifications.conftest import publish

    publish()
    Subscription.objects.filter(report=report).delete()
    assert deliver() == ["dropped"]
    assert mail.outbox == []


def test_mails_carry_the_short_id_and_the_nearest_address(dispatcher):
    from django.contrib.gis.geos import Point

    from backend.geo.addresses import address_search_text
    from backend.geo.models import Address
    from tests.conftest import DAM

    Address.objects.all().delete()
    Address.objects.create(
        street="Dam",
        number=1,
        postcode="1012JS",
        city="Amsterdam",
        point=Point(DAM[1], DAM[0] + 0.0001, srid=4326),
        search=address_search_text(street="Dam", number=1, suffix=""),
    )
    near = make_report(email="r@example.nl", allow_contact=True)
    deliver()
    (confirmation,) = mail.outbox
    assert f"Uw meldingsnummer is {near.short_id} (bij Dam 1, 1012 JS Amsterdam)." in (
        confirmation.body
    )
    report_transition(report_id=near.id, actor=ActorRef.staff(dispatcher), to="in_progress")
    deliver()
    progress = mail.outbox[1].body
    assert (
        f"Melding {near.short_id}, bij Dam 1, 1012 JS Amsterdam.\n\nBekijk de melding" in progress
    )

    Address.objects.all().delete()  # and without an address: the number alone
    far = make_report(email="s@example.nl", allow_contact=True, language="en")
    deliver()
    body = mail.outbox[2].body
    assert f"Your report number is {far.short_id}. Quote it" in body and "near" not in body
