"""Where photo files live: raw uploads in private storage, processed copies in media."""

import contextlib
import os
import uuid
from pathlib import Path
from typing import BinaryIO

from django.conf import settings

_EXTENSIONS = {
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/webp": "webp",
    "image/heic": "heic",
    "image/heif": "heif",
}


def private_path(relative: str) -> Path:
    return Path(settings.PRIVATE_MEDIA_ROOT) / relative


def media_path(relative: str) -> Path:
    return Path(settings.MEDIA_ROOT) / relative


def media_url(relative: str) -> str:
    return f"{settings.PUBLIC_BASE_URL}{settings.MEDIA_URL}{relative}"


def original_store(
    *, report_id: uuid.UUID, attachment_id: uuid.UUID, mime_type: str, source: BinaryIO
) -> str:
    relative = f"originals/{report_id}/{attachment_id}.{_EXTENSIONS.get(mime_type, 'bin')}"
    target = private_path(relative)
    target.parent.mkdir(parents=True, exist_ok=True)
    source.seek(0)
    with open(target, "wb") as out:
        while chunk := source.read(1024 * 1024):
            out.write(chunk)
    return relative


def processed_store(*, report_id: uuid.UUID, name: str, data: bytes) -> str:
    # The random part keeps photo URLs unguessable even for someone who knows a report id.
    relative = f"photos/{report_id.hex[:2]}/{uuid.uuid4().hex}-{name}"
    target = media_path(relative)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(target.suffix + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, target)  # readers never see a half-written photo
    return relative


def file_remove(path: Path) -> None:
    path.unlink(missing_ok=True)
    with contextlib.suppress(OSError):  # the per-report folder, once it is empty
        path.parent.rmdir()
