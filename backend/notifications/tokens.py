"""The keys in the links residents get besides the tracking link: unsubscribe and confirmation
(derived from the subscription's id, see backend/common/tokens.py) and the follow token of a
possible duplicate.

A follow token lets a resident follow another resident's report without seeing it. It is the
report id encrypted with AES-SIV under a key derived from the installation's secret: the same
report always gets the same token (nothing to store), the token shows nothing of the id (report
ids are no secret: contractors see them), and a token changed or made without the secret does
not decrypt. Tracking tokens are an HMAC of the id, so one cannot be turned into the other.
"""

import base64
import binascii
import functools
import hashlib
import hmac
import uuid

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESSIV
from django.core import signing

from backend.common.tokens import (
    secret_token,
    secret_token_for_hash,
    secret_token_valid,
    token_secrets,
)

from .models import Subscription

_FOLLOW_CONTEXT = b"meldpunt.report-follow"
# Follow tokens issued before they were encrypted: "<report id hex>:<signature>".
_LEGACY_FOLLOW_SALT = "meldpunt.report-follow"


def unsubscribe_token_for(subscription_id: uuid.UUID) -> str:
    """A new subscription's unsubscribe token; only its hash is stored."""
    return secret_token(purpose="unsubscribe", subject=subscription_id.bytes)


def confirm_token_for(subscription_id: uuid.UUID) -> str:
    """A new follower's confirmation token; only its hash is stored, until it is used."""
    return secret_token(purpose="confirm", subject=subscription_id.bytes)


def unsubscribe_token_of(subscription: Subscription) -> str | None:
    """The unsubscribe token this subscription's mails carry (the same before and after a
    rotation); None when no configured secret made it."""
    return secret_token_for_hash(
        purpose="unsubscribe",
        subject=subscription.id.bytes,
        stored_hash=subscription.unsubscribe_token_hash,
    )


def confirm_token_of(subscription: Subscription) -> str | None:
    return secret_token_for_hash(
        purpose="confirm",
        subject=subscription.id.bytes,
        stored_hash=subscription.confirm_token_hash,
    )


def unsubscribe_token_valid(token: str, subscription_id: uuid.UUID) -> bool:
    return secret_token_valid(token=token, purpose="unsubscribe", subject=subscription_id.bytes)


def confirm_token_valid(token: str, subscription_id: uuid.UUID) -> bool:
    return secret_token_valid(token=token, purpose="confirm", subject=subscription_id.bytes)


@functools.lru_cache(maxsize=8)
def _follow_cipher(secret: str) -> AESSIV:
    # 64 bytes: AES-256 in SIV mode. A key of its own, never the secret itself. Kept per
    # secret: deriving the key and the cipher cost three times the encryption itself.
    return AESSIV(hmac.new(secret.encode(), _FOLLOW_CONTEXT, hashlib.sha512).digest())


def follow_token_for(report_id: uuid.UUID) -> str:
    """43 base64url characters: the 16-byte id and AES-SIV's 16-byte tag."""
    sealed = _follow_cipher(token_secrets()[0]).encrypt(report_id.bytes, [_FOLLOW_CONTEXT])
    return base64.urlsafe_b64encode(sealed).decode().rstrip("=")


def report_id_for_follow_token(token: str) -> uuid.UUID | None:
    if ":" in token:
        return _legacy_report_id(token)
    try:
        sealed = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (binascii.Error, ValueError):
        return None
    if len(sealed) != 32:
        return None
    for secret in token_secrets():
        try:
            return uuid.UUID(bytes=_follow_cipher(secret).decrypt(sealed, [_FOLLOW_CONTEXT]))
        except InvalidTag:
            continue
    return None


def _legacy_report_id(token: str) -> uuid.UUID | None:
    """Follow tokens handed out before: signed with SECRET_KEY (or one of its fallbacks), so
    one made with the public built-in key no longer passes once the installation has its own."""
    try:
        return uuid.UUID(hex=signing.Signer(salt=_LEGACY_FOLLOW_SALT).unsign(token))
    except (signing.BadSignature, ValueError):
        return None
