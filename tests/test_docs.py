"""docs/architecture.md is the map of the code: what it names must be there."""

import re
from pathlib import Path

from backend.config.fanout import FANOUT
from backend.reports.catalogue import CATALOGUE

ROOT = Path(__file__).resolve().parent.parent
MAP = (ROOT / "docs/architecture.md").read_text()


def test_every_path_the_map_names_exists():
    paths = set(re.findall(r"`((?:backend|frontend_api|tests)/[\w/.]+)`", MAP))
    assert len(paths) > 10
    assert sorted(p for p in paths if not (ROOT / p).exists()) == []


def test_the_map_has_every_event_type_and_every_subscriber():
    assert [cls.__name__ for cls in CATALOGUE.values() if f"`{cls.__name__}`" not in MAP] == []
    assert [s.name for s in FANOUT if f"| `{s.name}` |" not in MAP] == []
