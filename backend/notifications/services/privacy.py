"""Erasing residents' contact details once a report no longer needs them (AVG/GDPR)."""

from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from backend.reports.actors import ActorRef
from backend.reports.catalogue import ContactErased
from backend.reports.change import report_change
from backend.reports.models import Report
from backend.reports.workflow import Status

from ..models import Subscription


def contact_details_erase(*, now: datetime | None = None, limit: int = 500) -> int:
    """Blank the contact details of reports closed or cancelled CONTACT_ERASURE_DAYS ago.

    The reporter's e-mail and phone, and every subscription (followers' addresses and push
    endpoints), with an internal ``contact_erased`` event. Returns how many reports.
    """
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.CONTACT_ERASURE_DAYS)
    due = list(
        Report.objects.filter(
            status__in=[Status.CLOSED, Status.CANCELLED],
            closed_at__lte=cutoff,
            contact_erased_at__isnull=True,
        )
        .order_by("closed_at")
        .values_list("id", flat=True)[:limit]
    )
    erased = 0
    for report_id in due:
        with report_change(report_id=report_id, actor=ActorRef.system()) as change:
            report = change.report
            if (
                report.contact_erased_at is not None
                or report.closed_at is None
                or report.closed_at > cutoff
            ):
                continue  # reopened meanwhile
            fields = [
                name for name in ("reporter_email", "reporter_phone") if getattr(report, name)
            ]
            change.set(
                reporter_email="", reporter_phone="", allow_contact=False, contact_erased_at=now
            )
            removed, _ = Subscription.objects.filter(report=report).delete()
            change.record(ContactErased(fields=fields, subscriptions=removed))
            erased += 1
    return erased
