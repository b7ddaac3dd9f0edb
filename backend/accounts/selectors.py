from django.db.models import QuerySet

from backend.common.tokens import token_hash

from .models import ApiToken, Open311Key, User


def api_token_for_key(*, key: str) -> ApiToken | None:
    """The live token with this key, with its user, or None."""
    return (
        ApiToken.objects.select_related("user", "user__contractor")
        .filter(key_hash=token_hash(key), revoked_at__isnull=True, user__is_active=True)
        .first()
    )


def open311_key_for(*, key: str) -> Open311Key | None:
    """The live Open311 client key with this value, or None."""
    if not key or len(key) > 200:
        return None
    return Open311Key.objects.filter(key_hash=token_hash(key), revoked_at__isnull=True).first()


def users_by_username(username: str) -> QuerySet[User]:
    """Active users with exactly this username: single sign-on matches an existing account,
    never makes one (a role and department are an administrator's decision)."""
    if not username:
        return User.objects.none()
    return User.objects.filter(username=username, is_active=True)
