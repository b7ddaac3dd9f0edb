"""One-time links: how an organisation without a system of its own hears of and does its work.

The link's token is random (256 bits), exists in clear only in the e-mail, and is stored as
its SHA-256. It opens one assignment, expires, and dies when the assignment is withdrawn.

The e-mail is owed from the moment of the offer: a `LinkMail` row, written when the outbox
hands the offer to the contractors subscriber, stays due until the mail went, so neither a
broker that is away when the offer commits nor a mail server that refuses loses it (beat's
sweep sends it later). A task that runs twice sends one mail: the assignment is locked while
its link is made and mailed.
"""

import logging
import uuid
from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from backend.common.dispatch import backoff, dispatch_on_commit
from backend.common.tokens import token_generate, token_hash

from .models import Assignment, AssignmentLink, LinkMail

logger = logging.getLogger(__name__)

# The sweep looks only after the task's own retry was due, so it does not race it.
_SWEEP_GRACE = timedelta(seconds=30)


def link_url(token: str) -> str:
    return f"{settings.PUBLIC_BASE_URL}/contractor/link/{token}/"


def link_mail_retry_wait(attempts: int) -> timedelta:
    """How long a link mail waits after its ``attempts``-th refused attempt."""
    return backoff(
        attempts, base_seconds=settings.CONTRACTOR_LINK_MAIL_RETRY_SECONDS, cap_seconds=3600
    )


def _send_on_commit(assignment_id: uuid.UUID, *, countdown: float | None = None) -> None:
    from .tasks import assignment_link_send_task

    dispatch_on_commit(
        assignment_link_send_task,
        [assignment_id],
        what="contractor link mails",
        countdown=countdown,
    )


def link_mail_queue(*, assignment: Assignment) -> LinkMail:
    """Owe the assignment's organisation its link mail, sent by a task after commit.

    Idempotent: the outbox may hand the offer over twice.
    """
    retry_after = timedelta(seconds=settings.CONTRACTOR_LINK_MAIL_RETRY_SECONDS)
    mail, created = LinkMail.objects.get_or_create(
        assignment=assignment,
        # The task normally sends it within moments; the sweep looks only after this.
        defaults={"next_attempt_at": timezone.now() + retry_after},
    )
    if created:
        _send_on_commit(assignment.id)
    return mail


def link_mails_due() -> QuerySet[LinkMail, uuid.UUID]:
    """Link mails whose task never ran (the broker was away) or whose retry is due."""
    return (
        LinkMail.objects.filter(state=LinkMail.State.PENDING, next_attempt_at__lte=timezone.now())
        .order_by("next_attempt_at")
        .values_list("assignment_id", flat=True)
    )


def link_mail_send(*, assignment_id: uuid.UUID) -> str:
    """Send the assignment's link mail unless it went already or is no longer owed.

    Returns "sent", "skipped", "retrying" (the mail server refused: tried again later) or
    "failed" (refused for the last time; logged).
    """
    try:
        link = assignment_link_send(assignment_id=assignment_id)
    except Exception as exc:  # SMTP errors come in many types
        return _link_mail_failed(assignment_id, exc)
    return "sent" if link is not None else "skipped"


@transaction.atomic
def _link_mail_failed(assignment_id: uuid.UUID, exc: Exception) -> str:
    now = timezone.now()
    # An offer made before link mails were recorded has no row yet: from now on it is owed.
    mail, _ = LinkMail.objects.select_for_update().get_or_create(
        assignment_id=assignment_id, defaults={"next_attempt_at": now}
    )
    if mail.state != LinkMail.State.PENDING:
        return "skipped"  # settled meanwhile by another task
    mail.attempts += 1
    mail.last_error = f"{type(exc).__name__}: {exc}"[:500]
    if mail.attempts < settings.CONTRACTOR_LINK_MAIL_MAX_ATTEMPTS:
        wait = link_mail_retry_wait(mail.attempts)
        mail.next_attempt_at = now + wait + _SWEEP_GRACE
        mail.save(update_fields=["attempts", "last_error", "next_attempt_at"])
        _send_on_commit(assignment_id, countdown=wait.total_seconds())
        return "retrying"
    mail.state = LinkMail.State.FAILED
    mail.save(update_fields=["attempts", "last_error", "state"])
    logger.warning("link mail for assignment %s failed for good: %s", assignment_id, exc)
    return "failed"


def _settle(mail: LinkMail | None, state: str) -> None:
    if mail is not None:
        mail.state = state
        mail.save(update_fields=["state"])


@transaction.atomic
def assignment_link_send(*, assignment_id: uuid.UUID) -> AssignmentLink | None:
    """Create the assignment's link and e-mail it; nothing when it is no longer offered,
    the organisation has a webhook or no address, or a live link was already sent."""
    assignment = (
        Assignment.objects.select_for_update(of=("self",))
        .select_related("contractor", "report", "report__category")
        .filter(pk=assignment_id)
        .first()
    )
    if assignment is None:
        return None
    # Locked after its assignment: one lock order for the two rows.
    mail = LinkMail.objects.select_for_update().filter(assignment=assignment).first()
    if mail is not None and mail.state != LinkMail.State.PENDING:
        return None  # sent, or no longer owed: a task that ran twice
    contractor = assignment.contractor
    if (
        assignment.state != Assignment.State.OFFERED
        or contractor.has_integration
        or not contractor.email
    ):
        _settle(mail, LinkMail.State.DROPPED)
        return None
    now = timezone.now()
    if AssignmentLink.objects.filter(
        assignment=assignment, revoked_at__isnull=True, expires_at__gt=now
    ).exists():
        _settle(mail, LinkMail.State.SENT)  # by an earlier task
        return None
    token = token_generate(32)
    link = AssignmentLink.objects.create(
        assignment=assignment,
        token_hash=token_hash(token),
        email=contractor.email,
        expires_at=now + timedelta(hours=settings.CONTRACTOR_LINK_TTL_HOURS),
    )
    report = assignment.report
    category = report.category.name_nl if report.category else "melding"
    deadline = (
        timezone.localtime(report.deadline).strftime("%d-%m-%Y %H:%M") if report.deadline else "-"
    )
    # Sent inside the transaction: if the mail server refuses, no link exists that nobody has.
    send_mail(
        subject=f"Nieuwe opdracht: {category}",
        message=(
            f"Beste {contractor.name},\n\n"
            f"Er is een nieuwe opdracht voor u: {category}.\n"
            f"Uiterlijk: {deadline}\n\n"
            f"Bekijk, accepteer of weiger de opdracht via deze link:\n{link_url(token)}\n\n"
            f"De link werkt alleen voor deze opdracht en verloopt op "
            f"{timezone.localtime(link.expires_at).strftime('%d-%m-%Y')}.\n"
        ),
        from_email=settings.CONTRACTOR_MAIL_FROM,
        recipient_list=[contractor.email],
    )
    if mail is not None:
        mail.state = LinkMail.State.SENT
        mail.attempts += 1
        mail.sent_at = timezone.now()
        mail.save(update_fields=["state", "attempts", "sent_at"])
    return link


def link_touch(*, link: AssignmentLink) -> None:
    AssignmentLink.objects.filter(pk=link.pk).update(last_used_at=timezone.now())
