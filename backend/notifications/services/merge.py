"""Staff merging a duplicate: it closes, and its resident and followers follow the other."""

import uuid

from django.utils import timezone
from django.utils.translation import gettext as _

from backend.common.errors import ConflictError, DomainValidationError
from backend.reports.actors import ActorRef
from backend.reports.catalogue import DuplicateMerged, Merged
from backend.reports.change import report_changes
from backend.reports.models import Report
from backend.reports.workflow import Resolution, Status

from ..models import Subscription
from .subscriptions import PushKeys, subscription_new


def report_merge(*, report_id: uuid.UUID, into_id: uuid.UUID, actor: ActorRef) -> Report:
    """Close a report as a duplicate of another; its resident and followers follow that one.

    The subscriptions are copied (not moved): the duplicate's closing mail still reaches them.
    """
    if report_id == into_id:
        raise DomainValidationError.single("into", _("A report cannot be merged into itself."))
    with report_changes(report_ids=[report_id, into_id], actor=actor) as changes:
        if into_id not in changes:
            raise DomainValidationError.single("into", _("There is no report with this id."))
        if report_id not in changes:
            raise Report.DoesNotExist(f"no report {report_id}")
        into, duplicate = changes[into_id], changes[report_id]
        if into.report.merged_into_id is not None:
            raise DomainValidationError.single(
                "into", _("That report was itself merged into another; merge into that one.")
            )
        if into.report.status in (Status.CLOSED, Status.CANCELLED):
            raise ConflictError(
                _("A %(status)s report cannot take over followers.")
                % {"status": into.report.status},
                current=into.report.status,
            )
        if duplicate.report.merged_into_id is not None:
            raise ConflictError(
                _("This report was already merged."), current=duplicate.report.status
            )
        duplicate.transition(Status.CLOSED, resolution=Resolution.DUPLICATE)
        duplicate.set(merged_into=into.report)
        now = timezone.now()
        copies = [
            subscription_new(
                report_id=into_id,
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
                report_id=report_id, confirmed_at__isnull=False
            )
        ]
        Subscription.objects.bulk_create(copies, ignore_conflicts=True)
        duplicate.record(Merged(into=str(into_id), followers=len(copies)))
        into.record(DuplicateMerged(duplicate=str(report_id), followers=len(copies)))
    return duplicate.report
