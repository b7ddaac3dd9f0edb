"""Writes of the push channels and of the resident's answers to a report.

Subscriptions (e-mail and web push, the reporter's and followers'), unsubscribing, the
resident's feedback and reply, staff merging a duplicate, and erasing contact details.
Status changes go through ``report_transition``, so the workflow table decides and every
change is an event like any other.
"""

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.utils import timezone

from backend.common.errors import ConflictError, DomainValidationError
from backend.common.tokens import token_derive, token_hash
from backend.reports import storage
from backend.reports.events import ActorRef, NewEvent, events_append
from backend.reports.models import Attachment, Report, ReportEvent
from backend.reports.services import PhotoUpload, attachments_store, report_transition
from backend.reports.workflow import Resolution, Status

from .models import Feedback, Subscription

logger = logging.getLogger(__name__)

_FOLLOW_SALT = "meldpunt.report-follow"


class FeedbackWindowClosed(Exception):
    """Feedback came after the window (HTTP 410)."""


class PushUnavailable(Exception):
    """Web push is not configured on this server (no VAPID keys)."""


@dataclass(frozen=True)
class PushKeys:
    endpoint: str
    p256dh: str
    auth: str


def push_enabled() -> bool:
    return bool(settings.VAPID_PRIVATE_KEY and settings.VAPID_PUBLIC_KEY)


def _subscription_token(purpose: str, subscription_id: uuid.UUID) -> str:
    secret = settings.TRACKING_TOKEN_SECRET or settings.SECRET_KEY
    return token_derive(secret=secret, purpose=purpose, subject=subscription_id.bytes)


def unsubscribe_token_for(subscription_id: uuid.UUID) -> str:
    """Re-derived for each mail; only its hash is stored."""
    return _subscription_token("unsubscribe", subscription_id)


def confirm_token_for(subscription_id: uuid.UUID) -> str:
    """The link in a follower's confirmation mail; only its hash is stored, until used."""
    return _subscription_token("confirm", subscription_id)


def follow_token_for(report_id: uuid.UUID) -> str:
    """A key that lets a resident follow a report (the intake's possible duplicates) without
    seeing it: signed, so nothing is stored."""
    return signing.Signer(salt=_FOLLOW_SALT).sign(report_id.hex)


def report_id_for_follow_token(token: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(hex=signing.Signer(salt=_FOLLOW_SALT).unsign(token))
    except (signing.BadSignature, ValueError):
        return None


def _subscription_new(
    *,
    report_id: uuid.UUID,
    channel: str,
    origin: str,
    language: str,
    created_at: datetime,
    confirmed: bool,
    email: str = "",
    push: PushKeys | None = None,
) -> Subscription:
    subscription_id = uuid.uuid4()
    return Subscription(
        id=subscription_id,
        report_id=report_id,
        channel=channel,
        origin=origin,
        language=language if language in ("nl", "en") else "nl",
        email=email,
        endpoint=push.endpoint if push else "",
        p256dh=push.p256dh if push else "",
        auth=push.auth if push else "",
        unsubscribe_token_hash=token_hash(unsubscribe_token_for(subscription_id)),
        created_at=created_at,
        confirmed_at=created_at if confirmed else None,
        confirm_token_hash=None if confirmed else token_hash(confirm_token_for(subscription_id)),
    )


def _locked(report_id: uuid.UUID) -> Report:
    return Report.objects.select_for_update(of=("self",)).get(pk=report_id)


def _save_seq(report: Report, fields: tuple[str, ...] = ()) -> None:
    report.save(update_fields=[*fields, "last_event_seq", "updated_at"])


def reporter_subscriptions_ensure(*, report_ids: list[uuid.UUID]) -> int:
    """The reporter's e-mail subscription, for reports whose reporter gave an address and consent.

    Dated at the report's creation, so the confirmation of receipt goes to it. Idempotent.
    """
    rows = (
        Report.objects.filter(pk__in=report_ids, allow_contact=True, contact_erased_at__isnull=True)
        .exclude(reporter_email="")
        .values_list("id", "reporter_email", "language", "created_at")
    )
    subscriptions = [
        _subscription_new(
            report_id=report_id,
            channel=Subscription.Channel.EMAIL,
            origin=Subscription.Origin.REPORTER,
            language=language,
            created_at=created_at,
            # The resident gave it in their own report, with consent to be contacted.
            confirmed=True,
            email=email,
        )
        for report_id, email, language, created_at in rows
    ]
    Subscription.objects.bulk_create(subscriptions, ignore_conflicts=True)
    return len(subscriptions)


def subscription_add(
    *,
    report_id: uuid.UUID,
    origin: str,
    language: str,
    email: str = "",
    push: PushKeys | None = None,
) -> tuple[Subscription, bool]:
    """Subscribe an e-mail address or a push endpoint to a report's public events.

    Returns the subscription and whether it is new; subscribing twice is harmless (a push
    subscription's keys are refreshed). A follower's e-mail address waits for confirmation:
    the `follower_added` event makes the outbox mail a confirmation link to that address alone
    (once; subscribing again sends nothing, so the form cannot be used to flood a mailbox), and
    mail about the report starts once the link is used (subscription_confirm). A push
    subscription comes from the very browser that will receive it, and needs none.
    """
    if bool(email) == bool(push):
        raise DomainValidationError.single(
            "email", "Give an e-mail address or a push subscription."
        )
    if push is not None and not push_enabled():
        raise PushUnavailable("Web push is not configured on this server.")
    channel = Subscription.Channel.EMAIL if email else Subscription.Channel.PUSH
    email = email.strip().lower()
    lookup = {"email": email} if email else {"endpoint": push.endpoint if push else ""}
    with transaction.atomic():
        report = _locked(report_id)
        existing = Subscription.objects.filter(report=report, channel=channel, **lookup).first()
        if existing is not None:
            if push is not None and (existing.p256dh, existing.auth) != (push.p256dh, push.auth):
                existing.p256dh, existing.auth = push.p256dh, push.auth
                existing.save(update_fields=["p256dh", "auth"])
            return existing, False
        confirmed = not (email and origin == Subscription.Origin.FOLLOWER)
        subscription = _subscription_new(
            report_id=report.id,
            channel=channel,
            origin=origin,
            language=language or report.language,
            created_at=timezone.now(),
            confirmed=confirmed,
            email=email,
            push=push,
        )
        subscription.save(force_insert=True)
        events_append(
            report=report,
            actor=ActorRef.resident(),
            events=[
                NewEvent(
                    type=ReportEvent.Type.FOLLOWER_ADDED,
                    internal_payload={
                        "channel": channel,
                        "origin": origin,
                        "subscription": str(subscription.id),
                        "confirm": not confirmed,
                    },
                )
            ],
        )
        _save_seq(report)
    return subscription, True


def subscription_confirm(*, subscription: Subscription) -> bool:
    """The owner of a follower's address used the link in the confirmation mail: mail about
    the report starts now. The link works once. Returns False when it was used already."""
    with transaction.atomic():
        report = _locked(subscription.report_id)
        confirmed = Subscription.objects.filter(
            pk=subscription.pk, confirmed_at__isnull=True
        ).update(confirmed_at=timezone.now(), confirm_token_hash=None)
        if not confirmed:
            return False
        events_append(
            report=report,
            actor=ActorRef.resident(),
            events=[
                NewEvent(
                    type=ReportEvent.Type.FOLLOWER_CONFIRMED,
                    internal_payload={
                        "channel": subscription.channel,
                        "subscription": str(subscription.id),
                    },
                )
            ],
        )
        _save_seq(report)
    return True


def subscriptions_unconfirmed_expire(*, now: datetime | None = None) -> int:
    """Forget followers' addresses never confirmed within SUBSCRIPTION_CONFIRM_DAYS: an
    address nobody confirmed is someone else's personal data, kept for no purpose."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.SUBSCRIPTION_CONFIRM_DAYS)
    removed, _ = Subscription.objects.filter(
        confirmed_at__isnull=True, created_at__lte=cutoff
    ).delete()
    return removed


def subscription_remove(*, subscription: Subscription) -> None:
    """Unsubscribe. Deliveries already made stay as a record, without the recipient."""
    Subscription.objects.filter(pk=subscription.pk).delete()


def push_subscription_remove(*, report_id: uuid.UUID, subscription_id: uuid.UUID) -> bool:
    deleted, _ = Subscription.objects.filter(
        pk=subscription_id, report_id=report_id, channel=Subscription.Channel.PUSH
    ).delete()
    return bool(deleted)


# --- the resident's answers ------------------------------------------------------------------


@transaction.atomic
def report_reply(
    *, report_id: uuid.UUID, text: str, photos: list[PhotoUpload] | None = None
) -> Report:
    """The resident answers an information request: a public event with the answer (and
    photos, through the usual photo pipeline), and the report returns to where it was."""
    photos = photos or []
    text = text.strip()
    if not text:
        raise DomainValidationError.single("text", "The answer needs text.")
    report = _locked(report_id)
    if report.status != Status.INFO_REQUESTED:
        raise ConflictError(
            "This report is not waiting for an answer from you.", current=report.status
        )
    existing = Attachment.objects.filter(report=report).count()
    if existing + len(photos) > settings.PHOTO_MAX_COUNT * 2:
        raise DomainValidationError.single(
            "photos", "This report has as many photos as it can take."
        )
    written: list[str] = []
    try:
        attachments = attachments_store(
            report=report, photos=photos, written=written, first_position=existing
        )
        events_append(
            report=report,
            actor=ActorRef.resident(),
            events=[
                NewEvent(
                    type=ReportEvent.Type.RESIDENT_REPLIED,
                    public=True,
                    public_payload={"text": text},
                    internal_payload={"attachments": [str(a.id) for a in attachments]},
                )
            ],
        )
        _save_seq(report)
        back_to = report.status_before_info_request or Status.RECEIVED
        report = report_transition(report_id=report.id, actor=ActorRef.resident(), to=back_to)
    except BaseException:
        for relative in written:
            storage.file_remove(storage.private_path(relative))
        raise
    return report


@transaction.atomic
def feedback_give(
    *, report_id: uuid.UUID, satisfied: bool, text: str = "", now: datetime | None = None
) -> Feedback:
    """The resident's verdict on the latest closing, within FEEDBACK_WINDOW_DAYS of it.

    Unsatisfied asks for a reopen (``reopen_requested``; a dispatcher decides). One per closing.
    """
    now = now or timezone.now()
    report = _locked(report_id)
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
            "Feedback is possible once the report is closed.", current=report.status
        )
    if Feedback.objects.filter(report=report, closing_seq=closing_seq).exists():
        raise ConflictError("Feedback on this closing was already given.", current=report.status)
    if report.status != Status.CLOSED:
        raise ConflictError(
            "Feedback is possible once the report is closed.", current=report.status
        )
    closed_at = report.closed_at or now
    if now > closed_at + timedelta(days=settings.FEEDBACK_WINDOW_DAYS):
        raise FeedbackWindowClosed(
            f"Feedback is possible up to {settings.FEEDBACK_WINDOW_DAYS} days after closing."
        )
    feedback = Feedback.objects.create(
        report=report, closing_seq=closing_seq, satisfied=satisfied, text=text.strip()
    )
    events_append(
        report=report,
        actor=ActorRef.resident(),
        events=[
            NewEvent(
                type=ReportEvent.Type.FEEDBACK_RECEIVED,
                internal_payload={
                    "feedback": feedback.pk,
                    "satisfied": satisfied,
                    "closing_seq": closing_seq,
                    "text": feedback.text,
                },
            )
        ],
    )
    _save_seq(report)
    if not satisfied:
        report_transition(
            report_id=report.id, actor=ActorRef.resident(), to=Status.REOPEN_REQUESTED
        )
    return feedback


# --- staff: merging a duplicate ----------------------------------------------------------------


@transaction.atomic
def report_merge(*, report_id: uuid.UUID, into_id: uuid.UUID, actor: ActorRef) -> Report:
    """Close a report as a duplicate of another; its resident and followers follow that one.

    The subscriptions are copied (not moved): the duplicate's closing mail still reaches them.
    """
    if report_id == into_id:
        raise DomainValidationError.single("into", "A report cannot be merged into itself.")
    locked = {
        report.pk: report
        for report in Report.objects.select_for_update(of=("self",))
        .filter(pk__in=[report_id, into_id])
        .order_by("pk")  # one lock order for every merge: no deadlock between two of them
    }
    if into_id not in locked:
        raise DomainValidationError.single("into", "There is no report with this id.")
    into, duplicate = locked[into_id], locked[report_id]
    if into.merged_into_id is not None:
        raise DomainValidationError.single(
            "into", "That report was itself merged into another; merge into that one."
        )
    if into.status in (Status.CLOSED, Status.CANCELLED):
        raise ConflictError(
            f"A {into.status} report cannot take over followers.", current=into.status
        )
    if duplicate.merged_into_id is not None:
        raise ConflictError("This report was already merged.", current=duplicate.status)
    duplicate = report_transition(
        report_id=duplicate.id, actor=actor, to=Status.CLOSED, resolution=Resolution.DUPLICATE
    )
    duplicate.merged_into = into
    now = timezone.now()
    copies = [
        _subscription_new(
            report_id=into.id,
            channel=subscription.channel,
            origin=Subscription.Origin.MERGED,
            language=subscription.language,
            created_at=now,
            confirmed=True,
            email=subscription.email,
            push=PushKeys(subscription.endpoint, subscription.p256dh, subscription.auth)
            if subscription.channel == Subscription.Channel.PUSH
            else None,
        )
        # An address not confirmed (yet) stays with the duplicate: its confirmation link
        # confirms that subscription, and no mail may reach the address before it.
        for subscription in Subscription.objects.filter(
            report=duplicate, confirmed_at__isnull=False
        )
    ]
    Subscription.objects.bulk_create(copies, ignore_conflicts=True)
    events_append(
        report=duplicate,
        actor=actor,
        events=[
            NewEvent(
                type=ReportEvent.Type.MERGED,
                internal_payload={"into": str(into.id), "followers": len(copies)},
            )
        ],
    )
    _save_seq(duplicate, ("merged_into",))
    events_append(
        report=into,
        actor=actor,
        events=[
            NewEvent(
                type=ReportEvent.Type.DUPLICATE_MERGED,
                internal_payload={"from": str(duplicate.id), "followers": len(copies)},
            )
        ],
    )
    _save_seq(into)
    return duplicate


# --- privacy -----------------------------------------------------------------------------------


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
        with transaction.atomic():
            report = _locked(report_id)
            if (
                report.contact_erased_at is not None
                or report.closed_at is None
                or report.closed_at > cutoff
            ):
                continue  # reopened meanwhile
            fields = [
                name for name in ("reporter_email", "reporter_phone") if getattr(report, name)
            ]
            report.reporter_email = ""
            report.reporter_phone = ""
            report.allow_contact = False
            report.contact_erased_at = now
            removed, _ = Subscription.objects.filter(report=report).delete()
            events_append(
                report=report,
                actor=ActorRef.system(),
                events=[
                    NewEvent(
                        type=ReportEvent.Type.CONTACT_ERASED,
                        internal_payload={"fields": fields, "subscriptions": removed},
                    )
                ],
            )
            _save_seq(
                report, ("reporter_email", "reporter_phone", "allow_contact", "contact_erased_at")
            )
            erased += 1
    return erased
