"""Managing the organisations themselves (the command line and the admin)."""

from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator, validate_slug
from django.db import transaction
from django.utils.translation import gettext as _

from backend.common.errors import DomainValidationError
from backend.common.tokens import token_generate

from .models import Contractor


@transaction.atomic
def contractor_upsert(
    *,
    code: str,
    name: str,
    email: str | None = None,
    webhook_url: str | None = None,
    webhook_secret: str | None = None,
    auto_close: bool | None = None,
) -> tuple[Contractor, bool, str | None]:
    """Create or update by code; None leaves a field as it is. Returns (contractor, created,
    the webhook secret when one was generated)."""
    errors: dict[str, list[str]] = {}
    checks: list[tuple[str, str | None, Callable[[str], None]]] = [
        ("code", code, validate_slug),
        ("email", email, EmailValidator()),
        ("webhook_url", webhook_url, URLValidator(schemes=["http", "https"])),
    ]
    for field, value, validator in checks:
        if value:
            try:
                validator(value)
            except ValidationError as exc:
                errors[field] = list(exc.messages)
    if not name.strip():
        errors["name"] = [_("A contractor needs a name.")]
    if errors:
        raise DomainValidationError(errors)
    contractor = Contractor.objects.select_for_update().filter(code=code).first()
    created = contractor is None
    if contractor is None:
        contractor = Contractor(code=code)
    contractor.name = name.strip()
    contractor.is_active = True
    if email is not None:
        contractor.email = email
    if webhook_url is not None:
        contractor.webhook_url = webhook_url
    if webhook_secret is not None:
        contractor.webhook_secret = webhook_secret
    if auto_close is not None:
        contractor.auto_close = auto_close
    generated = None
    if contractor.webhook_url and not contractor.webhook_secret:
        generated = contractor.webhook_secret = token_generate(32)
    contractor.save()
    return contractor, created, generated
