"""Contact details are erased N days after a report is closed or cancelled."""

from datetime import timedelta

import pytest
from django.utils import timezone

from backend.notifications.models import MailDelivery, Subscription
from backend.notifications.services import contact_details_erase, subscription_add
from backend.reports.actors import ActorRef
from backend.reports.models import Report, ReportEvent
from backend.reports.services import report_transition
from tests.notifications.conftest import publish
from tests.reports.factories import make_report

pytestmark = pytest.mark.django_db


def _ended(report, to, days_ago):
    report_transition(
        report_id=report.id,
        actor=ActorRef.staff(None),
        to=to,
        resolution="fixed" if to == "closed" else "",
    )
    Report.objects.filter(pk=report.pk).update(closed_at=timezone.now() - timedelta(days=days_ago))


def test_contact_details_and_followers_are_erased_after_the_retention_period(settings):
    settings.CONTACT_ERASURE_DAYS = 30
    old = make_report(email="r@example.nl", phone="0612345678", allow_contact=True)
    cancelled = make_report(email="c@example.nl", allow_contact=True)
    recent = make_report(email="recent@example.nl", allow_contact=True)
    still_open = make_report(email="open@example.nl", allow_contact=True)
    publish()  # reporters' subscriptions and their confirmation deliveries
    subscription_add(report_id=old.id, origin="follower", language="nl", email="f@example.nl")
    _ended(old, "closed", 31)
    _ended(cancelled, "cancelled", 30.1)
    _ended(recent, "closed", 29)
    Report.objects.filter(pk=still_open.pk).update(created_at=timezone.now() - timedelta(days=90))

    assert contact_details_erase() == 2
    for report in (old, cancelled):
        report.refresh_from_db()
        assert (report.reporter_email, report.reporter_phone, report.allow_contact) == (
            "",
            "",
            False,
        )
        assert report.contact_erased_at is not None
        assert not Subscription.objects.filter(report=report).exists()
        event = ReportEvent.objects.get(report=report, type="contact_erased")
        assert not event.is_public and event.actor_kind == "system"
    assert ReportEvent.objects.get(report=old, type="contact_erased").internal_payload == {
        "fields": ["reporter_email", "reporter_phone"],
        "subscriptions": 2,
    }
    # The delivery records stay, without anyone's address.
    assert MailDelivery.objects.filter(event__report=old, subscription__isnull=True).exists()
    for report in (recent, still_open):
        report.refresh_from_db()
        assert report.reporter_email and report.contact_erased_at is None
        assert Subscription.objects.filter(report=report).exists()
    assert "r@example.nl" not in str(list(ReportEvent.objects.values("internal_payload")))
    assert contact_details_erase() == 0  # done once
