"""Photos of a report: the raw upload kept privately, then processed by a task after commit."""

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import BinaryIO

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from backend.common.dispatch import dispatch_on_commit

from .. import storage
from ..actors import ActorRef
from ..catalogue import PhotoFailed, PhotoProcessed
from ..change import report_change
from ..images import ImageRejected, process_image
from ..models import Attachment, Report


@dataclass(frozen=True)
class PhotoUpload:
    """A photo that the API has already identified by content as an acceptable image."""

    file: BinaryIO
    size: int
    mime_type: str


def attachments_prepare(
    *,
    report: Report,
    photos: list[PhotoUpload],
    written: list[str],
    kind: str = Attachment.Kind.RESIDENT,
    first_position: int = 0,
) -> list[Attachment]:
    """Write each upload's raw file to private storage and build (not save) its Attachment.

    Each stored path is added to ``written`` at once, so a caller whose transaction fails
    removes exactly those files: no orphan file outlives a rolled-back change.
    """
    attachments = []
    for offset, photo in enumerate(photos):
        attachment_id = uuid.uuid4()
        relative = storage.original_store(
            report_id=report.id,
            attachment_id=attachment_id,
            mime_type=photo.mime_type,
            source=photo.file,
        )
        written.append(relative)
        attachments.append(
            Attachment(
                id=attachment_id,
                report=report,
                kind=kind,
                position=first_position + offset,
                original_path=relative,
                original_mime_type=photo.mime_type,
                original_size=photo.size,
            )
        )
    return attachments


def attachments_store(
    *,
    report: Report,
    photos: list[PhotoUpload],
    written: list[str],
    kind: str = Attachment.Kind.RESIDENT,
    first_position: int = 0,
) -> list[Attachment]:
    """`attachments_prepare`, saved in the caller's transaction; processed after commit."""
    attachments = attachments_prepare(
        report=report, photos=photos, written=written, kind=kind, first_position=first_position
    )
    Attachment.objects.bulk_create(attachments)
    attachments_dispatch_on_commit(attachments)
    return attachments


def written_files_remove(written: list[str]) -> None:
    """Undo the raw files of a change that did not commit."""
    for relative in written:
        storage.original_remove(relative)


def attachments_dispatch_on_commit(attachments: list[Attachment]) -> None:
    from ..tasks import attachment_process_task

    # A photo the broker never got stays pending: beat's sweep sends it later.
    dispatch_on_commit(attachment_process_task, [a.id for a in attachments], what="photos")


def attachment_process(*, attachment_id: uuid.UUID) -> Attachment:
    """Decode, orient, strip, resize and thumbnail one photo; delete the raw upload after.

    The image work runs outside any transaction; only the outcome is written, briefly.
    A photo that turns out not to be one is marked failed; the report is untouched.
    """
    attachment = Attachment.objects.get(pk=attachment_id)
    if attachment.state != Attachment.State.PENDING:
        return attachment  # a retried or duplicated task: the work is done
    Attachment.objects.filter(pk=attachment_id).update(claimed_at=timezone.now())
    original = attachment.original_path
    try:
        # From the private storage, wherever the upload came in: with an object store the
        # worker of any node finds it.
        with storage.original_open(original) as source:
            processed = process_image(
                source,
                max_pixels=settings.PHOTO_MAX_PIXELS,
                max_side=settings.PHOTO_MAX_SIDE,
                thumbnail_side=settings.PHOTO_THUMBNAIL_SIDE,
            )
    except ImageRejected as exc:
        return attachment_mark_failed(
            attachment_id=attachment_id, error=f"{exc.code}: {exc.message}"
        )

    file = storage.processed_store(
        report_id=attachment.report_id, name="photo.jpg", data=processed.data
    )
    thumbnail = storage.processed_store(
        report_id=attachment.report_id, name="thumb.jpg", data=processed.thumbnail
    )
    # Report first, then attachment: the lock order of every photo write.
    with report_change(report_id=attachment.report_id, actor=ActorRef.system()) as change:
        attachment = Attachment.objects.select_for_update().get(pk=attachment_id)
        if attachment.state != Attachment.State.PENDING:
            storage.processed_remove(file)
            storage.processed_remove(thumbnail)
            return attachment
        attachment.file = file
        attachment.thumbnail = thumbnail
        attachment.mime_type = processed.mime_type
        attachment.width = processed.width
        attachment.height = processed.height
        attachment.state = Attachment.State.READY
        attachment.processed_at = timezone.now()
        attachment.original_path = ""
        attachment.attempts += 1
        attachment.save()
        change.record(PhotoProcessed(attachment=str(attachment.id)))
        # The raw upload can hold the resident's position: gone once the copy is stored.
        transaction.on_commit(lambda: storage.original_remove(original))
    return attachment


def attachment_mark_failed(*, attachment_id: uuid.UUID, error: str) -> Attachment:
    """Give up on a photo: the report stays as it is, staff see why in its history."""
    report_id = Attachment.objects.values_list("report_id", flat=True).get(pk=attachment_id)
    with report_change(report_id=report_id, actor=ActorRef.system()) as change:
        attachment = Attachment.objects.select_for_update().get(pk=attachment_id)
        if attachment.state != Attachment.State.PENDING:
            return attachment
        original = attachment.original_path
        attachment.state = Attachment.State.FAILED
        attachment.error = error[:300]
        attachment.original_path = ""
        attachment.attempts += 1
        attachment.processed_at = timezone.now()
        attachment.save()
        change.record(PhotoFailed(attachment=str(attachment.id), error=error[:300]))
        if original:
            transaction.on_commit(lambda: storage.original_remove(original))
    return attachment


def attachments_due(*, now: datetime | None = None) -> QuerySet[Attachment, uuid.UUID]:
    """Pending photos no task is working on any more: claimed by a worker longer ago than any
    photo takes (the worker died), or never claimed long after upload (the broker was down
    when it came, or lost the task)."""
    now = now or timezone.now()
    lost = Q(claimed_at__lt=now - timedelta(seconds=settings.PHOTO_CLAIM_SECONDS))
    never = Q(
        claimed_at__isnull=True,
        created_at__lt=now - timedelta(seconds=settings.PHOTO_UNCLAIMED_SECONDS),
    )
    return (
        Attachment.objects.filter(lost | never, state=Attachment.State.PENDING)
        .order_by("created_at")
        .values_list("id", flat=True)
    )
