"""The resident's answer to an information request."""

import uuid

from django.conf import settings
from django.utils.translation import gettext as _

from backend.common.errors import ConflictError, DomainValidationError
from backend.common.text import text_clean

from ..actors import ActorRef
from ..catalogue import ResidentReplied
from ..change import report_change
from ..models import Attachment, Report
from ..workflow import Status
from .photos import PhotoUpload, attachments_store, written_files_remove


def report_reply(
    *, report_id: uuid.UUID, text: str, photos: list[PhotoUpload] | None = None
) -> Report:
    """A public event with the answer (and photos, through the usual photo pipeline), and the
    report returns to where it was before the question."""
    photos = photos or []
    text = text_clean(text).strip()
    if not text:
        raise DomainValidationError.single("text", _("The answer needs text."))
    written: list[str] = []
    try:
        with report_change(report_id=report_id, actor=ActorRef.resident()) as change:
            report = change.report
            if report.status != Status.INFO_REQUESTED:
                raise ConflictError(
                    _("This report is not waiting for an answer from you."), current=report.status
                )
            existing = Attachment.objects.filter(report=report).count()
            if existing + len(photos) > settings.PHOTO_MAX_COUNT * 2:
                raise DomainValidationError.single(
                    "photos", _("This report has as many photos as it can take.")
                )
            attachments = attachments_store(
                report=report, photos=photos, written=written, first_position=existing
            )
            change.record(ResidentReplied(text=text, attachments=[str(a.id) for a in attachments]))
            change.transition(report.status_before_info_request or Status.RECEIVED)
    except BaseException:
        written_files_remove(written)
        raise
    return change.report
