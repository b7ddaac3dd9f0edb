"""Mail is delivered at least once: a worker that dies between the mail server's acceptance and
recording it leaves the attempt recorded; the mail is sent again only after the attempt has had
its time, with the same Message-ID, by which the server or the client drops the copy."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from backend.notifications.delivery import deliveries_due
from backend.notifications.mail_sending import mail_deliveries_send, mail_delivery_send
from backend.notifications.models import MailDelivery
from backend.reports.actors import ActorRef
from backend.reports.services import report_transition
from tests.notifications.conftest import publish
from tests.reports.factories import make_report

pytestmark = pytest.mark.django_db


class _WorkerKilled(BaseException):
    """The worker's process ending under the task (SIGKILL, the host gone): no `except
    Exception` sees it, as none would see a real kill."""


class _AcceptsThenDies:
    """The mail server's boundary: it accepts the mail, and the worker dies before it hears."""

    accepted: list = []

    def __init__(self, *args, **kwargs):
        pass

    def open(self):
        pass

    def close(self):
        pass

    def send_messages(self, messages):
        type(self).accepted += messages
        raise _WorkerKilled


def test_a_worker_dying_mid_send_leaves_the_attempt_and_the_resend_carries_the_same_message_id(
    settings,
):
    settings.MAIL_ATTEMPT_SECONDS = 120
    make_report(email="bewoner@example.nl", allow_contact=True)
    publish()
    delivery = MailDelivery.objects.get()

    settings.EMAIL_BACKEND = "tests.notifications.test_mail_at_least_once._AcceptsThenDies"
    _AcceptsThenDies.accepted = []
    with pytest.raises(_WorkerKilled):
        mail_delivery_send(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    # The attempt was committed before the mail went: the row tells an attempt is under way.
    assert delivery.state == "pending" and delivery.attempted_at is not None
    first = _AcceptsThenDies.accepted[0]

    # Meanwhile neither the sweep nor a duplicated task sends it again, due or not.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    MailDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
    assert delivery.pk not in list(deliveries_due(kind="mail"))
    assert mail_delivery_send(delivery_id=delivery.pk) == "in flight"
    assert mail.outbox == []

    # Its attempt had its time (the worker is surely gone): the sweep takes it up again.
    long_ago = timezone.now() - timedelta(seconds=121)
    MailDelivery.objects.filter(pk=delivery.pk).update(attempted_at=long_ago)
    assert delivery.pk in list(deliveries_due(kind="mail"))
    assert mail_delivery_send(delivery_id=delivery.pk) == "sent"
    assert len(mail.outbox) == 1
    copy = mail.outbox[0]
    assert copy.extra_headers["Message-ID"] == first.extra_headers["Message-ID"]
    assert copy.message()["Message-ID"] == f"<meldpunt.mail.{delivery.pk}@localhost>"
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts, delivery.attempted_at) == ("sent", 1, None)


class _Refuses:
    seen: list = []

    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        type(self).seen += messages
        raise ConnectionRefusedError("relay down")


def test_every_mail_has_its_own_message_id_kept_across_retries(settings):
    report = make_report(email="bewoner@example.nl", allow_contact=True)
    report_transition(report_id=report.id, actor=ActorRef.staff(None), to="in_progress")
    publish()
    ids = list(MailDelivery.objects.order_by("event_id").values_list("pk", flat=True))
    assert len(ids) == 2

    settings.EMAIL_BACKEND = "tests.notifications.test_mail_at_least_once._Refuses"
    _Refuses.seen = []
    assert mail_deliveries_send(delivery_ids=ids) == {ids[0]: "retrying", ids[1]: "waiting"}
    # The refused attempt is finished (recorded as failed), the held one never started.
    assert set(MailDelivery.objects.values_list("attempted_at", flat=True)) == {None}

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    MailDelivery.objects.update(next_attempt_at=timezone.now())
    assert mail_deliveries_send(delivery_ids=ids) == dict.fromkeys(ids, "sent")
    sent_ids = [m.extra_headers["Message-ID"] for m in mail.outbox]
    assert sent_ids == [f"<meldpunt.mail.{pk}@localhost>" for pk in ids]
    assert _Refuses.seen[0].extra_headers["Message-ID"] == sent_ids[0]
