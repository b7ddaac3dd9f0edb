"""Photos from a contractor, checked the way the resident's intake checks them."""

from collections.abc import Sequence

from django.core.files.uploadedfile import UploadedFile

from backend.reports.services import PhotoUpload
from frontend_api.common.photos import photos_identify


def photos_inspect(files: Sequence[UploadedFile], *, field: str = "photos") -> list[PhotoUpload]:
    """Identify each upload by its content (never its name); refuse the lot if one fails."""
    return [photo.upload for photo in photos_identify(files, field=field)]
