from django.conf import settings
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from backend.accounts.selectors import api_token_for_key
from backend.accounts.services import api_token_touch
from backend.common.ratelimit import Verdict, rate_take, rates_parse

from .clients import client_network


def auth_failures(request, *, record: bool) -> Verdict:
    """The client's unknown keys against their rate; with ``record``, one more counted."""
    return rate_take(
        scope="auth_failure",
        subject=client_network(request),
        rates=rates_parse(settings.RATE_LIMITS["auth_failure"]),
        record=record,
    )


class ApiTokenAuthentication(authentication.BaseAuthentication):
    """``Authorization: Token <key>``; keys are looked up by their hash."""

    keyword = "Token"
    # The words a client may put before the key (the first is the one we ask for).
    keywords: tuple[str, ...] = ("Token",)

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() not in {k.lower().encode() for k in self.keywords}:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                "Send the header as 'Authorization: Token <key>'."
            )
        try:
            key = header[1].decode()
        except UnicodeError as exc:
            raise exceptions.AuthenticationFailed("The token has invalid characters.") from exc
        # A client guessing keys is slowed down: refused while its failures are over their rate.
        failures = auth_failures(request, record=False)
        if not failures.allowed:
            raise exceptions.Throttled(wait=failures.retry_after)
        token = api_token_for_key(key=key)
        if token is None:
            auth_failures(request, record=True)
            raise exceptions.AuthenticationFailed("Invalid or revoked token.")
        api_token_touch(token=token)
        return token.user, token

    def authenticate_header(self, request):
        return self.keyword


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = ApiTokenAuthentication
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "Token-based authentication: `Token <key>`.",
        }
