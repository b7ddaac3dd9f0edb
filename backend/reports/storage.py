"""Where photo files live: raw uploads in private storage, processed copies in media.

Two Django storages (settings.STORAGES, chosen by STORAGE_BACKEND): "private" for the raw
uploads, never served, and "default" for the processed photos. On one host both are folders
(MEDIA_ROOT, PRIVATE_MEDIA_ROOT); on several hosts an S3-compatible object store, so a photo
uploaded through one node is processed by another node's worker and served through any.
Paths stored on an Attachment are names within these storages.
"""

import contextlib
import os
import uuid
from pathlib import Path
from typing import Any, BinaryIO

from django.conf import settings
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, Storage, storages

_EXTENSIONS = {
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/webp": "webp",
    "image/heic": "heic",
    "image/heif": "heif",
}


class AtomicFileSystemStorage(FileSystemStorage):
    """Django's file storage, but a file appears whole or not at all (written aside, then
    renamed): a reader never sees a half-written photo. Names here are unique by construction,
    so a name is never altered to make it free."""

    def _save(self, name: str, content: Any) -> str:
        target = Path(self.path(name))
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex}.tmp")
        content.seek(0)
        with open(tmp, "wb") as out:
            for chunk in content.chunks():
                out.write(chunk)
        os.replace(tmp, target)
        return name

    def get_available_name(self, name: str, max_length: int | None = None) -> str:
        return name

    def delete(self, name: str) -> None:
        super().delete(name)
        with contextlib.suppress(OSError):  # the per-report folder, once it is empty
            Path(self.path(name)).parent.rmdir()


class PrivateFileSystemStorage(AtomicFileSystemStorage):
    """The raw uploads' folder, PRIVATE_MEDIA_ROOT, read when used; it has no URL."""

    @property  # type: ignore[override]
    def base_location(self) -> str:
        return str(settings.PRIVATE_MEDIA_ROOT)

    @property  # type: ignore[override]
    def location(self) -> str:
        return os.path.abspath(self.base_location)

    def url(self, name: str | None) -> str:
        raise ValueError("raw uploads are never served")


def private_storage() -> Storage:
    return storages["private"]


def media_storage() -> Storage:
    return storages["default"]


def private_path(relative: str) -> Path:
    """A raw upload's file on the local disk (STORAGE_BACKEND=local only)."""
    return Path(settings.PRIVATE_MEDIA_ROOT) / relative


def media_path(relative: str) -> Path:
    """A processed photo's file on the local disk (STORAGE_BACKEND=local only)."""
    return Path(settings.MEDIA_ROOT) / relative


def media_url(relative: str) -> str:
    """Where a client fetches a processed photo: this application's media URL on one host, a
    signed (or public) URL of the object store on several."""
    if settings.STORAGE_BACKEND == "local":
        return f"{settings.PUBLIC_BASE_URL}{settings.MEDIA_URL}{relative}"
    return media_storage().url(relative)


def original_store(
    *, report_id: uuid.UUID, attachment_id: uuid.UUID, mime_type: str, source: BinaryIO
) -> str:
    relative = f"originals/{report_id}/{attachment_id}.{_EXTENSIONS.get(mime_type, 'bin')}"
    source.seek(0)
    return private_storage().save(relative, File(source))


def original_open(relative: str) -> BinaryIO:
    return private_storage().open(relative, "rb")  # type: ignore[return-value]


def original_remove(relative: str) -> None:
    private_storage().delete(relative)


def processed_store(*, report_id: uuid.UUID, name: str, data: bytes) -> str:
    # The random part keeps photo URLs unguessable even for someone who knows a report id.
    relative = f"photos/{report_id.hex[:2]}/{uuid.uuid4().hex}-{name}"
    return media_storage().save(relative, ContentFile(data))


def processed_remove(relative: str) -> None:
    media_storage().delete(relative)
