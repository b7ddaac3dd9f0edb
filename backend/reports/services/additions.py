"""Photos a resident adds to a report after filing it: Signalen's apps file the report first
and upload its photos one request each."""

import uuid

from django.conf import settings
from django.utils.translation import gettext as _

from backend.common.errors import ConflictError, DomainValidationError

from ..actors import ActorRef
from ..catalogue import PhotosAdded
from ..change import report_change
from ..models import Attachment, Report
from ..workflow import OPEN_STATUSES
from .photos import PhotoUpload, attachments_store, written_files_remove


def report_photos_add(
    *, report_id: uuid.UUID, photos: list[PhotoUpload], actor: ActorRef | None = None
) -> list[Attachment]:
    """Store the photos raw (processed after commit, as intake's are) and record them; an open
    report only, and no more photos than intake and replies together may bring."""
    if not photos:
        raise DomainValidationError.single("file", _("Send a photo."))
    written: list[str] = []
    try:
        with report_change(report_id=report_id, actor=actor or ActorRef.resident()) as change:
            report: Report = change.report
            if report.status not in OPEN_STATUSES:
                raise ConflictError(
                    _("A closed report takes no more photos."), current=report.status
                )
            existing = Attachment.objects.filter(report=report).count()
            if existing + len(photos) > settings.PHOTO_MAX_COUNT * 2:
                raise DomainValidationError.single(
                    "file", _("This report has as many photos as it can take.")
                )
            attachments = attachments_store(
                report=report, photos=photos, written=written, first_position=existing
            )
            change.record(PhotosAdded(attachments=[str(a.id) for a in attachments]))
    except BaseException:
        written_files_remove(written)
        raise
    return attachments
