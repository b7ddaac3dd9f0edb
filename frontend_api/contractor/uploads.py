"""Photos from a contractor, checked the way the resident's intake checks them."""

from collections.abc import Sequence
from typing import BinaryIO, cast

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from backend.common.errors import DomainValidationError
from backend.reports.images import ImageRejected, inspect_upload
from backend.reports.services import PhotoUpload


def photos_inspect(files: Sequence[UploadedFile], *, field: str = "photos") -> list[PhotoUpload]:
    """Identify each upload by decoding it (never by its name); refuse the lot if one fails."""
    if len(files) > settings.PHOTO_MAX_COUNT:
        raise DomainValidationError.single(
            field, _("At most %(count)d photos.") % {"count": settings.PHOTO_MAX_COUNT}
        )
    errors: dict[str, list[str]] = {}
    photos = []
    for index, upload in enumerate(files):
        name = f"{field}.{index}"
        if not upload.size:
            errors[name] = [f"{upload.name}: the file is empty."]
            continue
        if upload.size > settings.PHOTO_MAX_BYTES:
            limit = settings.PHOTO_MAX_BYTES // (1024 * 1024)
            errors[name] = [f"{upload.name}: larger than {limit} MB."]
            continue
        try:
            inspection = inspect_upload(
                cast(BinaryIO, upload), max_pixels=settings.PHOTO_MAX_PIXELS
            )
        except ImageRejected as exc:
            errors[name] = [f"{upload.name}: {exc.message}"]
            continue
        photos.append(
            PhotoUpload(
                file=cast(BinaryIO, upload), size=upload.size, mime_type=inspection.mime_type
            )
        )
    if errors:
        raise DomainValidationError(errors)
    return photos
