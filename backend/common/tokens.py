"""Secrets handed to people (API keys, residents' links) and the one-way form we store.

Two kinds. Random tokens (API keys, contractors' one-time links) are generated, shown once and
stored hashed. Derived tokens (a report's tracking link, a subscription's unsubscribe and
confirmation links) are an HMAC of an id under the installation's secret, so the system can
rebuild the link for a later mail without keeping it in clear; only their hash is stored too.

The secret is TRACKING_TOKEN_SECRET, or SECRET_KEY when that is empty. A derived token is
valid while the secret it was made with is configured: the current one, or one of the
fallbacks a rotation keeps for a while. A token made with a secret no longer configured, or
with the public built-in key, is refused even though its hash is stored.
"""

import base64
import hashlib
import hmac
import secrets

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


def token_generate(nbytes: int = 32) -> str:
    # Never a leading "-": people paste a key's first characters into commands
    # (`manage.py revoke_token PREFIX`), where it would read as an option. Drawing again
    # costs one in 64 tokens a second try and leaves the rest of the key's randomness as is.
    while (token := secrets.token_urlsafe(nbytes)).startswith("-"):
        pass
    return token


def token_hash(token: str) -> str:
    # The tokens carry >=128 bits of randomness, so a fast hash is enough: there is nothing
    # to brute-force, and lookups stay a single indexed equality.
    return hashlib.sha256(token.encode()).hexdigest()


def token_derive(*, secret: str, purpose: str, subject: bytes, nchars: int = 32) -> str:
    """A token that can be re-derived from the subject but never guessed without the secret.

    Used where the system itself must rebuild a link later (the resident's tracking link in an
    e-mail) without keeping the token in plain text in the database.
    """
    digest = hmac.new(secret.encode(), purpose.encode() + b":" + subject, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")[:nchars]


def token_secrets() -> list[str]:
    """The secrets of derived tokens: new ones are made with the first; the rest (a rotation's
    previous secrets) are still accepted, and rebuilt for links made with them."""
    own = settings.TRACKING_TOKEN_SECRET
    current = own or settings.SECRET_KEY
    fallbacks = [*settings.TRACKING_TOKEN_SECRET_FALLBACKS]
    if not own:
        fallbacks += settings.SECRET_KEY_FALLBACKS
    found = [current]
    for secret in fallbacks:
        if secret and secret not in found:
            found.append(secret)
    return found


def secret_token(*, purpose: str, subject: bytes) -> str:
    """The token a new link gets: made with the current secret."""
    return token_derive(secret=token_secrets()[0], purpose=purpose, subject=subject)


def secret_token_for_hash(*, purpose: str, subject: bytes, stored_hash: str | None) -> str | None:
    """The token whose hash was stored for the subject, rebuilt with whichever configured
    secret made it (a link made before a rotation stays the same link); None when none did."""
    if not stored_hash:
        return None
    for secret in token_secrets():
        token = token_derive(secret=secret, purpose=purpose, subject=subject)
        if hmac.compare_digest(token_hash(token), stored_hash):
            return token
    return None


def secret_token_retired(
    *, purpose: str, subject: bytes, stored_hash: str, retire_fallbacks: bool = False
) -> bool:
    """Whether the stored token was made with no secret still in use (with `retire_fallbacks`:
    with none but the current one): its links open nothing, and it wants a new token."""
    kept = token_secrets()
    if retire_fallbacks:
        kept = kept[:1]
    return not any(
        hmac.compare_digest(
            token_hash(token_derive(secret=secret, purpose=purpose, subject=subject)), stored_hash
        )
        for secret in kept
    )


def secret_token_valid(*, token: str, purpose: str, subject: bytes) -> bool:
    """Whether a presented token was made for the subject with a configured secret."""
    return any(
        hmac.compare_digest(token, token_derive(secret=secret, purpose=purpose, subject=subject))
        for secret in token_secrets()
    )


def secrets_refuse_public() -> None:
    """Refuse to run on the public built-in key outside DEBUG: anyone who reads the source
    could forge every resident's link, the admin's session and password-reset tokens."""
    builtin = getattr(settings, "BUILTIN_SECRET_KEY", "")
    if settings.DEBUG or not builtin:
        return
    if builtin in (settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS, *token_secrets()):
        raise ImproperlyConfigured(
            "SECRET_KEY is the public built-in key and DEBUG is off: anyone could forge "
            "residents' tracking links. Run scripts/bootstrap.sh (it writes a key of this "
            "installation's own to var/secret-key) or set SECRET_KEY in the environment."
        )
