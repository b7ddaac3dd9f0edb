"""Work queues: a dispatcher's saved filters. The filter is stored as the list's query
parameters; the transport validated it with the list's own validation before it got here."""

from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from backend.common.errors import DomainValidationError
from backend.taxonomy.models import Department

from ..models import WorkQueue


def _name_taken() -> DomainValidationError:
    return DomainValidationError.single("name", _("You already have a queue by that name."))


def work_queue_create(
    *,
    owner: Any,
    name: str,
    filters: dict[str, str],
    shared_with: Department | None = None,
    position: int = 0,
) -> WorkQueue:
    queue = WorkQueue(
        owner=owner, name=name, filters=filters, shared_with=shared_with, position=position
    )
    try:
        with transaction.atomic():
            queue.save()
    except IntegrityError:
        raise _name_taken() from None
    return queue


_UNSET: Any = object()


def work_queue_update(
    *,
    queue: WorkQueue,
    name: str = _UNSET,
    filters: dict[str, str] = _UNSET,
    shared_with: Department | None = _UNSET,
    position: int = _UNSET,
) -> WorkQueue:
    changed = {
        key: value
        for key, value in (
            ("name", name),
            ("filters", filters),
            ("shared_with", shared_with),
            ("position", position),
        )
        if value is not _UNSET
    }
    for key, value in changed.items():
        setattr(queue, key, value)
    try:
        with transaction.atomic():
            queue.save(update_fields=[*changed, "updated_at"])
    except IntegrityError:
        raise _name_taken() from None
    return queue


def work_queue_delete(*, queue: WorkQueue) -> None:
    queue.delete()
