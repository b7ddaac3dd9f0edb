"""The resident's verdict on how a report was closed."""

import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from backend.common.errors import ConflictError
from backend.common.text import text_clean
from backend.reports.actors import ActorRef
from backend.reports.catalogue import FeedbackReceived
from backend.reports.change import report_change
from backend.reports.models import ReportEvent
from backend.reports.workflow import Status

from ..models import Feedback


class FeedbackWindowClosed(Exception):
    """Feedback came after the window (HTTP 410)."""


def feedback_give(
    *, report_id: uuid.UUID, satisfied: bool, text: str = "", now: datetime | None = None
) -> Feedback:
    """The resident's verdict on the latest closing, within FEEDBACK_WINDOW_DAYS of it.

    Unsatisfied asks for a reopen (``reopen_requested``; a dispatcher decides). One per closing.
    """
    now = now or timezone.now()
    with report_change(report_id=report_id, actor=ActorRef.resident()) as change:
        report = change.report
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
        if closing_seq is None:
            raise ConflictError(
                _("Feedback is possible once the report is closed."), current=report.status
            )
        if Feedback.objects.filter(report=report, closing_seq=closing_seq).exists():
            raise ConflictError(
                _("Feedback on this closing was already given."), current=report.status
            )
        if report.status != Status.CLOSED:
            raise ConflictError(
                _("Feedback is possible once the report is closed."), current=report.status
            )
        closed_at = report.closed_at or now
        if now > closed_at + timedelta(days=settings.FEEDBACK_WINDOW_DAYS):
            raise FeedbackWindowClosed(
                f"Feedback is possible up to {settings.FEEDBACK_WINDOW_DAYS} days after closing."
            )
        feedback = Feedback.objects.create(
            report=report,
            closing_seq=closing_seq,
            satisfied=satisfied,
            text=text_clean(text).strip(),
        )
        change.record(
            FeedbackReceived(
                feedback=feedback.pk,
                satisfied=satisfied,
                closing_seq=closing_seq,
                text=feedback.text,
            )
        )
        if not satisfied:
            change.transition(Status.REOPEN_REQUESTED)
    return feedback
