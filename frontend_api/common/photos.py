"""Uploaded photos, identified inside the request within fixed budgets, for every endpoint that
takes them (the resident's intake and reply, the contractor's API and one-time link)."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import BinaryIO, cast

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from rest_framework import serializers

from backend.common.errors import DomainValidationError
from backend.reports.images import ImageRejected, identify_upload
from backend.reports.services import PhotoUpload


@dataclass(frozen=True)
class IdentifiedPhoto:
    upload: PhotoUpload
    gps: tuple[float, float] | None


def photos_identify(
    files: Sequence[UploadedFile], *, field: str = "photos"
) -> list[IdentifiedPhoto]:
    """Each upload identified by its content (never its name) from headers and structure alone,
    within the byte and pixel budgets; the lot refused if one fails.

    Decoding is the photo worker's: the pixels a header declares cost memory and time only
    there, and the pixel budgets (per photo, per request) bound that work. Raises
    DomainValidationError naming `field` (the whole list) or `field.N` (one file).
    """
    if len(files) > settings.PHOTO_MAX_COUNT:
        raise DomainValidationError.single(
            field, _("At most %(count)d photos.") % {"count": settings.PHOTO_MAX_COUNT}
        )
    errors: dict[str, list[str]] = {}
    photos = []
    pixels = 0
    for index, upload in enumerate(files):
        name = f"{field}.{index}"
        if not upload.size:
            errors[name] = [_("%(name)s: the file is empty.") % {"name": upload.name}]
            continue
        if upload.size > settings.PHOTO_MAX_BYTES:
            limit = settings.PHOTO_MAX_BYTES // (1024 * 1024)
            errors[name] = [
                _("%(name)s: larger than %(limit)d MB.") % {"name": upload.name, "limit": limit}
            ]
            continue
        file = cast(BinaryIO, upload)
        try:
            identity = identify_upload(file, max_pixels=settings.PHOTO_MAX_PIXELS)
        except ImageRejected as exc:
            errors[name] = [f"{upload.name}: {exc.message}"]
            continue
        pixels += identity.width * identity.height
        photos.append(
            IdentifiedPhoto(
                upload=PhotoUpload(file=file, size=upload.size, mime_type=identity.mime_type),
                gps=identity.gps,
            )
        )
    if errors:
        raise DomainValidationError(errors)
    if pixels > settings.PHOTO_REQUEST_MAX_PIXELS:
        raise DomainValidationError.single(
            field,
            _(
                "The photos have %(pixels)s pixels together; one request may send at most "
                "%(limit)s. Send fewer or smaller photos."
            )
            % {"pixels": f"{pixels:,}", "limit": f"{settings.PHOTO_REQUEST_MAX_PIXELS:,}"},
        )
    return photos


def photos_field_validate(files: Sequence[UploadedFile]) -> list[IdentifiedPhoto]:
    """`photos_identify` for a serializer's `validate_photos`: the errors as DRF nests them
    under the field (the list's own, or by index), so they reach the client as `photos` and
    `photos.N`."""
    field = "photos"
    try:
        return photos_identify(files, field=field)
    except DomainValidationError as exc:
        if field in exc.errors:
            raise serializers.ValidationError(exc.errors[field]) from exc
        by_index = {
            name.removeprefix(f"{field}."): messages for name, messages in exc.errors.items()
        }
        raise serializers.ValidationError(by_index) from exc


def photos_field() -> serializers.ListField:
    """The `photos` input of a resident's request (intake, a reply), its limits as configured."""
    megabytes = settings.PHOTO_MAX_BYTES // (1024 * 1024)
    return serializers.ListField(
        child=serializers.FileField(allow_empty_file=False),
        required=False,
        default=list,
        help_text=(
            f"Up to {settings.PHOTO_MAX_COUNT} photos (JPEG, PNG, WebP, HEIC) of {megabytes} MB "
            f"and {settings.PHOTO_MAX_PIXELS // 1_000_000} megapixels each, "
            f"{settings.PHOTO_REQUEST_MAX_PIXELS // 1_000_000} megapixels together (as their "
            "headers declare); multipart only. Refused with a 400 naming `photos` (the request) "
            "or `photos.N` (one photo)."
        ),
    )
