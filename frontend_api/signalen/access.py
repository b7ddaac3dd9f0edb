"""Who may call the Signalen-compatible API: anyone for the public part (throttled per client
as Signalen throttles anonymous reports), our API tokens for the private part that trade
systems poll (staff, or a contractor's organisation for its own reports)."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from ..common.authentication import ApiTokenAuthentication
from ..common.throttling import ScopeThrottle


class StaffOrContractor(BasePermission):
    message = "This needs a municipal staff token or a contractor's token."

    def has_permission(self, request: Request, view) -> bool:
        user = request.user
        return bool(
            user
            and (
                getattr(user, "is_municipal_staff", False)
                or getattr(user, "is_contractor_user", False)
            )
        )


class SignalenTokenAuthentication(ApiTokenAuthentication):
    """Our API tokens, sent as `Token <key>` or as Signalen's clients send theirs,
    `Bearer <key>`."""

    keywords = ("Token", "Bearer")


class SignalenTokenScheme(OpenApiAuthenticationExtension):
    target_class = SignalenTokenAuthentication
    name = "signalenToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "Our API tokens: `Token <key>` or, as Signalen's clients send, "
            "`Bearer <key>`.",
        }


class SignalenIntakeThrottle(ScopeThrottle):
    scope = "signalen_intake"
