"""Subscriptions to a report's public events: e-mail and web push, the reporter's and
followers', confirming a follower's address, unsubscribing."""

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from backend.common.errors import DomainValidationError, LimitReached
from backend.common.ratelimit import rate_take, rates_parse
from backend.common.tokens import secret_token_retired, token_hash
from backend.reports.actors import ActorRef
from backend.reports.catalogue import FollowerAdded, FollowerConfirmed
from backend.reports.change import report_change
from backend.reports.models import Report

from ..models import Subscription
from ..tokens import confirm_token_for, unsubscribe_token_for

logger = logging.getLogger(__name__)


class PushUnavailable(Exception):
    """Web push is not configured on this server (no VAPID keys)."""


@dataclass(frozen=True)
class PushKeys:
    endpoint: str
    p256dh: str
    auth: str


def push_enabled() -> bool:
    return bool(settings.VAPID_PRIVATE_KEY and settings.VAPID_PUBLIC_KEY)


def _mailbox(email: str) -> str:
    """The mailbox an address reaches: "name+tag@host" and "name@host" are one inbox."""
    local, _, domain = email.partition("@")
    return f"{local.partition('+')[0]}@{domain}"


def _confirmation_mail_allow(*, email: str) -> None:
    """Count one confirmation mail to this address, or refuse it (LimitReached) when the
    address had its share (RATE_LIMITS["confirm_mail"]), however many clients asked: the
    follow form must not be a way to fill somebody's mailbox."""
    verdict = rate_take(
        scope="confirm_mail",
        subject=_mailbox(email),
        rates=rates_parse(settings.RATE_LIMITS["confirm_mail"]),
    )
    if not verdict.allowed:
        raise LimitReached(
            "email",
            _("This address was sent too many confirmation mails; try again later."),
            retry_after=verdict.retry_after,
        )


def subscription_new(
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
        subscription_new(
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
    mail about the report starts once the link is used (subscription_confirm). An address
    that had its share of confirmation mails is refused (LimitReached) and nothing is stored.
    A push subscription comes from the very browser that will receive it, and needs none.
    """
    if bool(email) == bool(push):
        raise DomainValidationError.single(
            "email", _("Give an e-mail address or a push subscription.")
        )
    if push is not None and not push_enabled():
        raise PushUnavailable("Web push is not configured on this server.")
    channel = Subscription.Channel.EMAIL if email else Subscription.Channel.PUSH
    email = email.strip().lower()
    lookup = {"email": email} if email else {"endpoint": push.endpoint if push else ""}
    with report_change(report_id=report_id, actor=ActorRef.resident()) as change:
        report = change.report
        existing = Subscription.objects.filter(report=report, channel=channel, **lookup).first()
        if existing is not None:
            if push is not None and (existing.p256dh, existing.auth) != (push.p256dh, push.auth):
                existing.p256dh, existing.auth = push.p256dh, push.auth
                existing.save(update_fields=["p256dh", "auth"])
            return existing, False
        confirmed = not (email and origin == Subscription.Origin.FOLLOWER)
        if not confirmed:
            _confirmation_mail_allow(email=email)
        subscription = subscription_new(
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
        change.record(
            FollowerAdded(
                channel=channel,
                origin=origin,
                subscription=str(subscription.id),
                confirm=not confirmed,
            )
        )
    return subscription, True


def subscription_confirm(*, subscription: Subscription) -> bool:
    """The owner of a follower's address used the link in the confirmation mail: mail about
    the report starts now. The link works once. Returns False when it was used already."""
    with report_change(report_id=subscription.report_id, actor=ActorRef.resident()) as change:
        confirmed = Subscription.objects.filter(
            pk=subscription.pk, confirmed_at__isnull=True
        ).update(confirmed_at=timezone.now(), confirm_token_hash=None)
        if not confirmed:
            return False
        change.record(
            FollowerConfirmed(channel=subscription.channel, subscription=str(subscription.id))
        )
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


def subscription_tokens_renew(*, retire_fallbacks: bool = False) -> int:
    """New unsubscribe and confirmation tokens (current secret) for subscriptions whose tokens
    no configured secret made (with `retire_fallbacks`: only the current one), so their next
    mail carries links that work. Returns how many subscriptions got new tokens."""

    def retired(purpose: str, subscription_id: uuid.UUID, stored: str | None) -> bool:
        return stored is not None and secret_token_retired(
            purpose=purpose,
            subject=subscription_id.bytes,
            stored_hash=stored,
            retire_fallbacks=retire_fallbacks,
        )

    renewed = 0
    rows = Subscription.objects.values_list("id", "unsubscribe_token_hash", "confirm_token_hash")
    for subscription_id, unsubscribe_hash, confirm_hash in rows.iterator(chunk_size=2000):
        values: dict[str, str] = {}
        if retired("unsubscribe", subscription_id, unsubscribe_hash):
            values["unsubscribe_token_hash"] = token_hash(unsubscribe_token_for(subscription_id))
        if retired("confirm", subscription_id, confirm_hash):
            values["confirm_token_hash"] = token_hash(confirm_token_for(subscription_id))
        if values:
            # Guarded by the old hash: a confirmation used meanwhile is not brought back.
            renewed += Subscription.objects.filter(
                pk=subscription_id,
                unsubscribe_token_hash=unsubscribe_hash,
                confirm_token_hash=confirm_hash,
            ).update(**values)
    return renewed
