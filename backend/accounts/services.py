from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

from backend.common.errors import DomainValidationError
from backend.common.tokens import token_generate, token_hash
from backend.organisations.models import Contractor
from backend.taxonomy.models import Department

from .models import ApiToken, Open311Key, User

# Recording every use would turn each API read into a write; a coarse stamp is enough to
# spot unused tokens.
_LAST_USED_RESOLUTION = timedelta(minutes=5)


def api_token_create(*, user: User, name: str) -> tuple[ApiToken, str]:
    """Create a token and return it with its key: the only moment the key exists in clear."""
    key = token_generate()
    token = ApiToken.objects.create(user=user, name=name, prefix=key[:8], key_hash=token_hash(key))
    return token, key


def api_token_revoke(*, token: ApiToken) -> ApiToken:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def api_token_touch(*, token: ApiToken) -> None:
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > _LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)


def user_create(
    *,
    username: str,
    role: str,
    email: str = "",
    password: str | None = None,
    department: Department | None = None,
    may_see_contact: bool = False,
) -> User:
    if role == User.Role.DEPARTMENT and department is None:
        raise DomainValidationError.single(
            "department", _("Department staff need the department they work for.")
        )
    user = User(
        username=username,
        role=role,
        email=email,
        is_staff=role == User.Role.ADMIN,
        department=department,
        may_see_contact=may_see_contact,
    )
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    return user


def contractor_user_for(*, contractor: Contractor) -> User:
    """The organisation's API user: its tokens act for the organisation and nothing else."""
    user = User.objects.filter(role=User.Role.CONTRACTOR, contractor=contractor).first()
    if user is None:
        user = User(
            username=f"contractor-{contractor.code}",
            role=User.Role.CONTRACTOR,
            contractor=contractor,
            email=contractor.email,
        )
        user.set_unusable_password()
        user.save()
    return user


def contractor_token_create(*, contractor: Contractor, name: str) -> tuple[ApiToken, str]:
    return api_token_create(user=contractor_user_for(contractor=contractor), name=name)


def open311_key_create(*, name: str) -> tuple[Open311Key, str]:
    """A new api_key for an Open311 client application, returned with the key in clear once."""
    key = token_generate()
    row = Open311Key.objects.create(name=name, prefix=key[:8], key_hash=token_hash(key))
    return row, key


def open311_key_revoke(*, key: Open311Key) -> Open311Key:
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])
    return key


def open311_key_touch(*, key: Open311Key) -> None:
    now = timezone.now()
    if key.last_used_at is None or now - key.last_used_at > _LAST_USED_RESOLUTION:
        Open311Key.objects.filter(pk=key.pk).update(last_used_at=now)
