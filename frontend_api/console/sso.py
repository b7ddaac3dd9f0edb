"""Single sign-on for the console over OpenID Connect (mozilla-django-oidc), where configured.

The provider says who someone is; Meldpunt decides what they may do. So the account must
exist already, with its role and department, and is matched by username
(settings.OIDC_USERNAME_CLAIM); a stranger the provider vouches for gets no account.
"""

from typing import Any

from django.conf import settings
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from backend.accounts.selectors import users_by_username


class ConsoleOIDCBackend(OIDCAuthenticationBackend):
    def authenticate(self, request: Any, **kwargs: Any) -> Any:
        if not settings.OIDC_RP_CLIENT_ID:
            return None
        return super().authenticate(request, **kwargs)

    def filter_users_by_claims(self, claims: dict[str, Any]) -> Any:
        return users_by_username(str(claims.get(settings.OIDC_USERNAME_CLAIM) or ""))

    def verify_claims(self, claims: dict[str, Any]) -> bool:
        # Only the username claim is needed; the package's default asks for an e-mail.
        return bool(claims.get(settings.OIDC_USERNAME_CLAIM))
