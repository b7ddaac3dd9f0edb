import uuid

from django.db.models import Q, QuerySet
from django.utils import timezone

from backend.common.tokens import token_hash
from backend.organisations.models import Contractor
from backend.reports.models import Attachment, Report

from .models import Assignment, AssignmentLink, WebhookMessage


def _assignments() -> QuerySet[Assignment]:
    return Assignment.objects.select_related(
        "contractor", "report", "report__category", "report__category__parent", "report__address"
    )


def assignment_list(
    *,
    contractor: Contractor,
    states: list[str] | None = None,
    overdue: bool | None = None,
    area: str | None = None,
) -> QuerySet[Assignment]:
    """The organisation's own assignments, newest first.

    ``overdue``: open assignments whose report deadline has passed (or, False, the others).
    ``area``: "type:code" or a bare area code the report lies in.
    """
    qs = _assignments().filter(contractor=contractor)
    if states:
        qs = qs.filter(state__in=states)
    if overdue is not None:
        late = Q(
            state__in=Assignment.OPEN_STATES,
            report__deadline__isnull=False,
            report__deadline__lt=timezone.now(),
        )
        qs = qs.filter(late) if overdue else qs.exclude(late)
    if area:
        kind, _, code = area.rpartition(":")
        areas = Q(report__areas__code=code)
        if kind:
            areas &= Q(report__areas__type=kind)
        qs = qs.filter(areas).distinct()
    return qs.order_by("-offered_at", "-id")


def assignment_for_contractor(
    *, contractor: Contractor, assignment_id: uuid.UUID
) -> Assignment | None:
    """Only the organisation's own: another's is as unknown as a missing one."""
    return _assignments().filter(pk=assignment_id, contractor=contractor).first()


def assignment_get(assignment_id: uuid.UUID) -> Assignment | None:
    return _assignments().filter(pk=assignment_id).first()


def assignments_of_report(report: Report) -> QuerySet[Assignment]:
    return _assignments().filter(report=report).order_by("-offered_at", "-id")


def assignment_open_for_report(report_id: uuid.UUID) -> Assignment | None:
    return _assignments().filter(report_id=report_id, state__in=Assignment.OPEN_STATES).first()


def assignment_photos(assignment: Assignment) -> dict[str, list[Attachment]]:
    """The report's "before" photos and the contractor's "after" photos, processed only."""
    photos: dict[str, list[Attachment]] = {"before": [], "after": []}
    for attachment in Attachment.objects.filter(
        report_id=assignment.report_id, state=Attachment.State.READY
    ).order_by("position"):
        key = "after" if attachment.kind == Attachment.Kind.CONTRACTOR else "before"
        photos[key].append(attachment)
    return photos


def link_by_token(token: str) -> AssignmentLink | None:
    """A live link: known, not revoked, not expired, of an organisation still active (one
    switched off must not take work through a link mailed before)."""
    if not token or len(token) > 100:
        return None
    return (
        AssignmentLink.objects.select_related(
            "assignment",
            "assignment__contractor",
            "assignment__report",
            "assignment__report__category",
            "assignment__report__category__parent",
            "assignment__report__address",
        )
        .filter(
            token_hash=token_hash(token),
            revoked_at__isnull=True,
            expires_at__gt=timezone.now(),
            assignment__contractor__is_active=True,
        )
        .first()
    )


def webhook_messages(
    *,
    contractor: str | None = None,
    state: str | None = None,
    report_id: uuid.UUID | None = None,
) -> QuerySet[WebhookMessage]:
    qs = WebhookMessage.objects.select_related("contractor").prefetch_related("log")
    if contractor:
        qs = qs.filter(contractor__code=contractor)
    if state:
        qs = qs.filter(state=state)
    if report_id:
        qs = qs.filter(report_id=report_id)
    return qs.order_by("-created_at", "-id")


def webhook_message_get(message_id: uuid.UUID) -> WebhookMessage | None:
    return (
        WebhookMessage.objects.select_related("contractor")
        .prefetch_related("log")
        .filter(pk=message_id)
        .first()
    )
