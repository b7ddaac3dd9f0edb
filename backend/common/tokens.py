"""Secrets handed to people (API keys, tracking links) and the one-way form we store."""

import base64
import hashlib
import hmac
import secrets


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
