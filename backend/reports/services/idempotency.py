"""A client's Idempotency-Key: a retried intake gets the first answer, never a second report."""

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from backend.common.errors import DomainValidationError

from ..models import IdempotencyKey, Report
from .photos import PhotoUpload

IDEMPOTENCY_FIELD = "Idempotency-Key"


class IdempotencyKeyReused(DomainValidationError):
    """The key came before with another body (HTTP 422)."""

    def __init__(self) -> None:
        super().__init__(
            {
                IDEMPOTENCY_FIELD: [
                    _("This Idempotency-Key was already used for a different request body.")
                ]
            }
        )


@dataclass(frozen=True)
class IdempotencyRequest:
    key: str
    fingerprint: str


@dataclass(frozen=True)
class Replay:
    report: Report
    # The first response, minus the tracking token (re-derived, never stored).
    response: dict[str, Any]


def intake_fingerprint(*, fields: dict[str, Any], photos: list[PhotoUpload]) -> str:
    """What makes two intake requests "the same body", independent of multipart boundaries."""
    digest = hashlib.sha256(json.dumps(fields, sort_keys=True, default=str).encode())
    for photo in photos:
        photo.file.seek(0)
        while chunk := photo.file.read(1024 * 1024):
            digest.update(chunk)
        photo.file.seek(0)
    return digest.hexdigest()


def idempotent_replay(request: IdempotencyRequest) -> Replay | None:
    existing = IdempotencyKey.objects.select_related("report").filter(key=request.key).first()
    if existing is None:
        return None
    if existing.fingerprint != request.fingerprint:
        raise IdempotencyKeyReused
    return Replay(report=existing.report, response=existing.response)


def idempotency_key_row(request: IdempotencyRequest, report: Report) -> IdempotencyKey:
    return IdempotencyKey(key=request.key, fingerprint=request.fingerprint, report=report)


def idempotency_response_store(*, key: str, response: dict[str, Any]) -> None:
    """Keep the first response for a key, so a retry gets the very same answer."""
    IdempotencyKey.objects.filter(key=key).update(response=response)
