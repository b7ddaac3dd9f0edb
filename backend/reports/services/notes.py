"""Staff's internal notes on a report: never shown to the resident."""

import uuid
from typing import Any

from django.utils.translation import gettext as _

from backend.common.errors import DomainValidationError
from backend.common.text import text_clean

from ..actors import ActorRef
from ..catalogue import NoteAdded
from ..change import report_change
from ..models import Note


def report_note_add(*, report_id: uuid.UUID, author: Any, text: str) -> Note:
    text = text_clean(text).strip()
    if not text:
        raise DomainValidationError.single("text", _("A note needs text."))
    with report_change(report_id=report_id, actor=ActorRef.staff(author)) as change:
        note = Note.objects.create(report=change.report, author=author, text=text)
        change.record(NoteAdded(note_id=note.pk))
    return note
