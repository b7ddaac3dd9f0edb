"""The resident's tracking token: derived from the report id with the installation's secret.

Nothing in the database reveals it (only its hash is stored), yet the system can rebuild the
link for a later e-mail. Which secret, and how a rotation keeps links working, is
backend/common/tokens.py; a report whose token came from a secret no longer configured gets a
new one from `tracking_tokens_renew`.
"""

import uuid

from backend.common.tokens import (
    secret_token,
    secret_token_for_hash,
    secret_token_retired,
    secret_token_valid,
    token_hash,
)

from .actors import ActorRef
from .change import report_changes
from .models import Report

_PURPOSE = "report-tracking"


def tracking_token_for(report_id: uuid.UUID) -> str:
    """A new report's token (the current secret). 32 base64url characters = 192 bits."""
    return secret_token(purpose=_PURPOSE, subject=report_id.bytes)


def tracking_token_hash_for(report_id: uuid.UUID) -> str:
    return token_hash(tracking_token_for(report_id))


def tracking_token_of(report: Report) -> str | None:
    """The token this report's links carry: the one whose hash it stores, rebuilt with the
    secret that made it. None when no configured secret did (see tracking_tokens_renew)."""
    return secret_token_for_hash(
        purpose=_PURPOSE, subject=report.id.bytes, stored_hash=report.tracking_token_hash
    )


def tracking_token_valid(token: str, report_id: uuid.UUID) -> bool:
    """A token whose hash matches is also one a configured secret made: a token computed
    with a retired (or the public built-in) secret opens nothing."""
    return secret_token_valid(token=token, purpose=_PURPOSE, subject=report_id.bytes)


def tracking_tokens_renew(*, retire_fallbacks: bool = False, batch: int = 500) -> int:
    """Give a new token (current secret) to every report whose token no configured secret
    made: its links opened nothing any more, and its next mail carries a working one. With
    `retire_fallbacks`, also to those made with a fallback secret, which ends a rotation:
    their old links stop working. Returns how many reports got a new token."""
    rows = Report.objects.values_list("id", "tracking_token_hash").iterator(chunk_size=2000)
    stale = [
        report_id
        for report_id, stored in rows
        if secret_token_retired(
            purpose=_PURPOSE,
            subject=report_id.bytes,
            stored_hash=stored,
            retire_fallbacks=retire_fallbacks,
        )
    ]
    for start in range(0, len(stale), batch):
        with report_changes(
            report_ids=stale[start : start + batch],
            actor=ActorRef.system(),
            only=("tracking_token_hash",),
        ) as changes:
            for report_id, change in changes.items():
                change.set(tracking_token_hash=tracking_token_hash_for(report_id))
    return len(stale)
