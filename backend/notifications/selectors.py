"""Reads for the push channels: what a resident's socket may see, and who hears about what."""

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone

from backend.common.tokens import token_hash
from backend.reports.models import Report, ReportEvent
from backend.reports.presentation import public_event
from backend.reports.tracking import tracking_token_valid
from backend.reports.workflow import Status

from .models import Feedback, MailDelivery, Subscription
from .tokens import confirm_token_valid, unsubscribe_token_valid


@dataclass(frozen=True)
class ReportRef:
    """What a resident's socket needs of its report: which group, which language."""

    id: uuid.UUID
    language: str


def report_ref_by_tracking_token(token: str) -> ReportRef | None:
    if not token or len(token) > 100:
        return None
    row = (
        Report.objects.filter(tracking_token_hash=token_hash(token))
        .values_list("id", "language")
        .first()
    )
    if row is None or not tracking_token_valid(token, row[0]):
        return None
    return ReportRef(id=row[0], language=row[1])


def report_public_events_after(
    *, report: ReportRef, after: int, limit: int = 1000
) -> list[dict[str, Any]]:
    """The resident's view of every public event after ``after``, oldest first."""
    shell = Report(id=report.id, language=report.language)
    events = ReportEvent.objects.filter(
        report_id=report.id, is_public=True, seq__gt=after
    ).order_by("seq")[:limit]
    return [public_event(event, shell) for event in events]


def subscription_by_unsubscribe_token(token: str) -> Subscription | None:
    if not token or len(token) > 100:
        return None
    found = Subscription.objects.filter(unsubscribe_token_hash=token_hash(token)).first()
    return found if found is not None and unsubscribe_token_valid(token, found.id) else None


def subscription_by_confirm_token(token: str) -> Subscription | None:
    """The unconfirmed subscription a confirmation link is for (None once it was used)."""
    if not token or len(token) > 100:
        return None
    found = Subscription.objects.filter(confirm_token_hash=token_hash(token)).first()
    return found if found is not None and confirm_token_valid(token, found.id) else None


def reporter_mail_subscription(report_id: uuid.UUID) -> Subscription | None:
    """The mail subscription the resident who made the report has (None: no address given,
    or unsubscribed)."""
    return Subscription.objects.filter(
        report_id=report_id,
        channel=Subscription.Channel.EMAIL,
        origin=Subscription.Origin.REPORTER,
    ).first()


def feedback_open(report: Report, *, now: datetime | None = None) -> bool:
    """Whether the resident may still give feedback (feedback_give's conditions): the report
    is closed, within FEEDBACK_WINDOW_DAYS of it, and none given on this closing yet."""
    if report.status != Status.CLOSED:
        return False
    closed_at = report.closed_at or timezone.now()
    if (now or timezone.now()) > closed_at + timedelta(days=settings.FEEDBACK_WINDOW_DAYS):
        return False
    closing_seq = (
        ReportEvent.objects.filter(
            report=report,
            type=ReportEvent.Type.STATUS_CHANGED,
            public_payload__status=Status.CLOSED,
        )
        .order_by("-seq")
        .values_list("seq", flat=True)
        .first()
    )
    return (
        closing_seq is not None
        and not Feedback.objects.filter(report=report, closing_seq=closing_seq).exists()
    )


def reports_with_unsatisfied_feedback() -> Any:
    """The ids of reports a resident said they were not satisfied with (a subquery)."""
    return Feedback.objects.filter(satisfied=False).values("report_id")


def report_mail_deliveries(report: Report) -> Any:
    """The mails sent (or tried) to the report's resident and followers, oldest first."""
    return (
        MailDelivery.objects.filter(event__report=report)
        .select_related("event")
        .order_by("created_at", "id")
    )
