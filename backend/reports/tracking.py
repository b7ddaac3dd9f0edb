"""The resident's tracking token: derived from the report id with a server secret.

Nothing in the database reveals it (only its hash is stored), yet the system can rebuild the
link for a later e-mail. Rotating TRACKING_TOKEN_SECRET (or SECRET_KEY when it is unset)
invalidates every tracking link in circulation.
"""

import uuid

from django.conf import settings

from backend.common.tokens import token_derive, token_hash


def tracking_token_for(report_id: uuid.UUID) -> str:
    secret = settings.TRACKING_TOKEN_SECRET or settings.SECRET_KEY
    # 32 base64url characters = 192 bits.
    return token_derive(secret=secret, purpose="report-tracking", subject=report_id.bytes)


def tracking_token_hash_for(report_id: uuid.UUID) -> str:
    return token_hash(tracking_token_for(report_id))
