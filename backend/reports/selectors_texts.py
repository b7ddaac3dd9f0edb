"""Standard texts as dispatchers pick them, and their history for administrators."""

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from .models import StandardText, StandardTextRevision
from .workflow import STATUS_TEXT, Status


def standard_texts() -> QuerySet[StandardText]:
    return StandardText.objects.select_related("updated_by")


def standard_text_get(text_id: int) -> StandardText | None:
    return StandardText.objects.filter(pk=text_id).first()


def standard_texts_by_status(language: str) -> dict[str, list[tuple[str, str]]]:
    """Per status, the (title, text) pairs a dispatcher chooses from: the administrators'
    texts, or the workflow's own text where they wrote none."""
    lang = "en" if language == "en" else "nl"
    chosen: dict[str, list[tuple[str, str]]] = {status: [] for status in Status.values}
    for text in StandardText.objects.all():
        chosen[text.status].append((text.title, text.text(lang)))
    for status, texts in chosen.items():
        if not texts and status in STATUS_TEXT:
            texts.append((_("Default text"), STATUS_TEXT[status][lang]))
    return chosen


def standard_text_revisions(limit: int = 50) -> QuerySet[StandardTextRevision]:
    return StandardTextRevision.objects.select_related("by")[:limit]
