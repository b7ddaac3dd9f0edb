"""Routing's conditions: what a rule may ask of a report's facts, compiled once per rule set.

Pure Python, no database. See engine.py for how rules combine them.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time
from typing import Any

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
CONDITION_ORDER = ("category", "area", "not_area", "source", "priority", "time", "text", "any")
_SPACE = re.compile(r"\s+")


def normalise(text: str) -> str:
    """Case- and accent-insensitive form: NFKD, combining marks dropped, casefolded."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _SPACE.sub(" ", stripped.casefold()).strip()


def parse_clock(value: str) -> time | None:
    """ "HH:MM" (or 24:00, the end of a day) as a time; None when it is not one."""
    match = re.fullmatch(r"([01]\d|2[0-4]):([0-5]\d)", value or "")
    if not match:
        return None
    hours, minutes = int(match.group(1)), int(match.group(2))
    if hours == 24:
        return time(23, 59, 59, 999999) if minutes == 0 else None
    return time(hours, minutes)


# --- facts -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Facts:
    """What routing knows about a (real or hypothetical) report."""

    category: str | None  # "main/sub"
    default_department: str | None  # the category's department code
    areas: frozenset[str]  # "type:code" of every area containing the point
    text: str
    source: str
    priority: str
    at: datetime

    @property
    def main(self) -> str | None:
        return self.category.split("/", 1)[0] if self.category else None


@dataclass
class State:
    """Per-decision working copy: the normalised text once, and the effective priority."""

    facts: Facts
    text: str
    priority: str
    local: datetime


# --- conditions --------------------------------------------------------------------------


class Condition:
    key = ""

    def test(self, state: State) -> Any:
        """What matched (truthy), or None/False when the condition fails."""
        raise NotImplementedError


class CategoryCondition(Condition):
    key = "category"

    def __init__(self, values: Sequence[str]) -> None:
        self.exact = frozenset(v for v in values if not v.endswith("/*"))
        self.mains = frozenset(v[:-2] for v in values if v.endswith("/*"))

    def test(self, state: State) -> Any:
        category = state.facts.category
        if category is None:
            return None
        if category in self.exact:
            return category
        if state.facts.main in self.mains:
            return f"{state.facts.main}/*"
        return None

    def covers(self, other: CategoryCondition) -> bool:
        return all(v in self.exact or v.split("/", 1)[0] in self.mains for v in other.exact) and (
            other.mains <= self.mains
        )


def _area_keys(mapping: dict[str, list[str]]) -> frozenset[str]:
    return frozenset(
        f"{area_type}:{code}" for area_type, codes in mapping.items() for code in codes
    )


class AreaCondition(Condition):
    key = "area"

    def __init__(self, mapping: dict[str, list[str]]) -> None:
        self.keys = _area_keys(mapping)

    def test(self, state: State) -> Any:
        hit = self.keys & state.facts.areas
        return sorted(hit)[0] if hit else None


class NotAreaCondition(Condition):
    key = "not_area"

    def __init__(self, mapping: dict[str, list[str]]) -> None:
        self.keys = _area_keys(mapping)

    def test(self, state: State) -> Any:
        return True if not (self.keys & state.facts.areas) else None


class TextCondition(Condition):
    key = "text"

    def __init__(self, phrases: Sequence[str]) -> None:
        self.phrases = tuple(normalise(p) for p in phrases)
        # A phrase starts at a word boundary but may end inside one: "tak" finds "takken" and
        # Dutch compounds' heads ("boom" in "boomtak") but not "stak".
        self.pattern = re.compile(
            "|".join(rf"(?<!\w){re.escape(p)}" for p in sorted(self.phrases, key=len, reverse=True))
        )

    def test(self, state: State) -> Any:
        match = self.pattern.search(state.text)
        return match.group(0) if match else None


class SourceCondition(Condition):
    key = "source"

    def __init__(self, values: Sequence[str]) -> None:
        self.values = frozenset(values)

    def test(self, state: State) -> Any:
        return state.facts.source if state.facts.source in self.values else None


class PriorityCondition(Condition):
    key = "priority"

    def __init__(self, values: Sequence[str]) -> None:
        self.values = frozenset(values)

    def test(self, state: State) -> Any:
        return state.priority if state.priority in self.values else None


class TimeCondition(Condition):
    key = "time"

    def __init__(self, spec: dict[str, Any]) -> None:
        self.days = frozenset(DAYS.index(d) for d in spec.get("days", DAYS))
        start = parse_clock(spec.get("from", "00:00"))
        end = parse_clock(spec.get("to", "24:00"))
        assert start is not None and end is not None  # the validator refused bad times
        self.start, self.end = start, end
        self.crosses_midnight = end <= start
        self.spec = spec

    def test(self, state: State) -> Any:
        local = state.local
        clock = local.time().replace(tzinfo=None)
        day = local.weekday()
        if not self.crosses_midnight:
            ok = day in self.days and self.start <= clock < self.end
        elif clock >= self.start:
            ok = day in self.days
        else:
            # Early morning belongs to the window that started the evening before.
            ok = clock < self.end and (day - 1) % 7 in self.days
        return f"{DAYS[day]} {clock:%H:%M}" if ok else None


class AnyCondition(Condition):
    key = "any"

    def __init__(self, blocks: list[list[Condition]]) -> None:
        self.blocks = blocks

    def test(self, state: State) -> Any:
        for index, block in enumerate(self.blocks):
            matched = all_hold(block, state)
            if matched is not None:
                return {"block": index, **matched}
        return None


def all_hold(conditions: list[Condition], state: State) -> dict[str, Any] | None:
    matched: dict[str, Any] = {}
    for condition in conditions:
        value = condition.test(state)
        if value is None or value is False:
            return None
        matched[condition.key] = value
    return matched


_BUILDERS: dict[str, Any] = {
    "category": CategoryCondition,
    "area": AreaCondition,
    "not_area": NotAreaCondition,
    "text": TextCondition,
    "source": SourceCondition,
    "priority": PriorityCondition,
    "time": TimeCondition,
}


def compile_conditions(when: dict[str, Any]) -> list[Condition]:
    """Cheap tests first; text (a regex) and any (nested) last."""
    conditions: list[Condition] = []
    for key in CONDITION_ORDER:
        if key not in when:
            continue
        if key == "any":
            conditions.append(AnyCondition([compile_conditions(b) for b in when["any"]]))
        else:
            conditions.append(_BUILDERS[key](when[key]))
    return conditions


# --- rules and the compiled set ----------------------------------------------------------
