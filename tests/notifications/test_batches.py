"""Mail in batches: one task sends many deliveries, each recipient's in order, over one
connection to the mail server, and a recipient whose earlier mail backs off holds only its own
later mails back."""

from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from backend.notifications.mail_sending import mail_deliveries_send
from backend.notifications.models import MailDelivery
from backend.reports.actors import ActorRef
from backend.reports.services import report_transition
from tests.notifications.conftest import publish
from tests.reports.factories import make_report

pytestmark = pytest.mark.django_db


class _CountingBackend:
    """The mail server's boundary: counts connections opened and what was sent over them."""

    opened = 0
    sent: list[str] = []

    def __init__(self, *args, **kwargs):
        pass

    def open(self):
        type(self).opened += 1

    def close(self):
        pass

    def send_messages(self, messages):
        type(self).sent += [m.to[0] for m in messages]
        return len(messages)


def _pending_ids() -> list[int]:
    return list(
        MailDelivery.objects.filter(state="pending")
        .order_by("event_id", "pk")
        .values_list("pk", flat=True)
    )


def test_one_task_sends_a_batch_in_order_over_one_connection_with_a_fixed_number_of_queries(
    settings,
):
    settings.EMAIL_BACKEND = "tests.notifications.test_batches._CountingBackend"
    _CountingBackend.opened, _CountingBackend.sent = 0, []
    reports = [make_report(email=f"r{i}@example.nl", allow_contact=True) for i in range(6)]
    for report in reports[:3]:
        report_transition(report_id=report.id, actor=ActorRef.staff(None), to="in_progress")
    publish()
    ids = _pending_ids()
    assert len(ids) == 9
    with CaptureQueriesContext(connection) as queries:
        outcomes = mail_deliveries_send(delivery_ids=ids)
    assert outcomes == dict.fromkeys(ids, "sent")
    assert _CountingBackend.opened == 1
    # Each recipient's mails in the order of its report's events.
    for i in range(3):
        assert _CountingBackend.sent.count(f"r{i}@example.nl") == 2
    assert sorted(set(_CountingBackend.sent)) == sorted(f"r{i}@example.nl" for i in range(6))
    # Reading and locking nine mails: a handful of statements; then two per mail, recording
    # the attempt just before it goes and marking it sent the moment the server took it (the
    # window for a second copy after a crash is one SMTP exchange, not the batch).
    assert len(queries) <= 6 + 2 * len(ids), [q["sql"][:80] for q in queries.captured_queries]
    assert set(MailDelivery.objects.values_list("state", "attempts")) == {("sent", 1)}
    assert mail_deliveries_send(delivery_ids=ids) == {}  # a task that ran twice sends nothing


def test_an_earlier_mail_backing_off_holds_back_only_its_own_recipients_later_mails():
    first = make_report(email="wacht@example.nl", allow_contact=True)
    other = make_report(email="ander@example.nl", allow_contact=True)
    publish()
    backing_off = MailDelivery.objects.get(event__report=first)
    retry_at = timezone.now() + timedelta(minutes=5)
    MailDelivery.objects.filter(pk=backing_off.pk).update(attempts=1, next_attempt_at=retry_at)
    report_transition(report_id=first.id, actor=ActorRef.staff(None), to="in_progress")
    publish()
    later = MailDelivery.objects.get(event__report=first, state="pending", attempts=0)
    others = MailDelivery.objects.get(event__report=other)
    outcomes = mail_deliveries_send(delivery_ids=[later.pk, others.pk])
    assert outcomes == {later.pk: "waiting", others.pk: "sent"}
    assert [m.to for m in mail.outbox] == [["ander@example.nl"]]
    later.refresh_from_db()
    assert later.state == "pending" and later.next_attempt_at > retry_at
