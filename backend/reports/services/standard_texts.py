"""Standard texts: what administrators give dispatchers to send with a status change. Every
write leaves a revision (who, when, what it said), also when the text is removed."""

from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from backend.common.errors import DomainValidationError

from ..models import StandardText, StandardTextRevision
from ..workflow import Status

_LIMITS = {"title": 80, "text_nl": 2000, "text_en": 2000}


def _validated(*, status: str, title: str, text_nl: str, text_en: str) -> dict[str, str]:
    values = {"title": title.strip(), "text_nl": text_nl.strip(), "text_en": text_en.strip()}
    errors: dict[str, list[str]] = {}
    if status not in Status.values:
        errors["status"] = [_("Unknown status.")]
    for name in ("title", "text_nl"):
        if not values[name]:
            errors[name] = [_("This field is required.")]
    for name, limit in _LIMITS.items():
        if len(values[name]) > limit:
            errors[name] = [_("At most %(n)d characters.") % {"n": limit}]
    if errors:
        raise DomainValidationError(errors)
    return {"status": status, **values}


def _revision(text: StandardText, action: str, by: Any) -> None:
    StandardTextRevision.objects.create(
        standard_text_id=text.pk,
        action=action,
        status=text.status,
        title=text.title,
        text_nl=text.text_nl,
        text_en=text.text_en,
        by=by,
    )


def _title_taken() -> DomainValidationError:
    return DomainValidationError.single("title", _("This status has a text by that title."))


@transaction.atomic
def standard_text_save(
    *,
    by: Any,
    status: str,
    title: str,
    text_nl: str,
    text_en: str = "",
    text: StandardText | None = None,
) -> StandardText:
    """A new standard text, or `text` changed."""
    values = _validated(status=status, title=title, text_nl=text_nl, text_en=text_en)
    action = (
        StandardTextRevision.Action.CREATED if text is None else StandardTextRevision.Action.CHANGED
    )
    text = text or StandardText()
    for key, value in values.items():
        setattr(text, key, value)
    text.updated_by = by
    try:
        with transaction.atomic():
            text.save()
    except IntegrityError:
        raise _title_taken() from None
    _revision(text, action, by)
    return text


@transaction.atomic
def standard_text_remove(*, by: Any, text: StandardText) -> None:
    _revision(text, StandardTextRevision.Action.REMOVED, by)
    text.delete()
