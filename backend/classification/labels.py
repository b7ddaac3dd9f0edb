"""Where the classifier's labelled examples come from, beyond its seed corpus.

The installation decides (settings.CLASSIFIER_LABELS, a module with `labelled_examples()`
and `labelled_count_since(when)`): in Meldpunt, reports whose category a dispatcher set or
confirmed. This engine takes plain texts and labels, and imports nothing that knows reports.
"""

from datetime import datetime
from importlib import import_module
from types import ModuleType

from django.conf import settings

from .corpus import Example


def _source() -> ModuleType:
    return import_module(settings.CLASSIFIER_LABELS)


def labelled_examples() -> list[Example]:
    return [Example(text=text, label=path) for text, path in _source().labelled_examples()]


def labelled_count_since(when: datetime | None) -> int:
    count: int = _source().labelled_count_since(when)
    return count
