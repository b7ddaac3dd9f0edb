"""One-time links: how an organisation without a system of its own hears of and does its work.

The link's token is random (256 bits), exists in clear only in the e-mail, and is stored as
its SHA-256. It opens one assignment, expires, and dies when the assignment is withdrawn.
"""

import uuid
from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from backend.common.tokens import token_generate, token_hash

from .models import Assignment, AssignmentLink


def link_url(token: str) -> str:
    return f"{settings.PUBLIC_BASE_URL}/contractor/link/{token}/"


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
    if assignment is None or assignment.state != Assignment.State.OFFERED:
        return None
    contractor = assignment.contractor
    if contractor.has_integration or not contractor.email:
        return None
    now = timezone.now()
    if AssignmentLink.objects.filter(
        assignment=assignment, revoked_at__isnull=True, expires_at__gt=now
    ).exists():
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
    return link


def link_touch(*, link: AssignmentLink) -> None:
    AssignmentLink.objects.filter(pk=link.pk).update(last_used_at=timezone.now())
