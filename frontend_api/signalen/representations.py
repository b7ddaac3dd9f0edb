"""Signalen answers that are more than one domain object."""

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Href:
    href: str


@dataclass(frozen=True)
class HalLinks:
    self: Href
    next: Href | None
    previous: Href | None


@dataclass(frozen=True)
class HalPage:
    links: HalLinks
    count: int
    results: list[Any]


@dataclass(frozen=True)
class FeatureCollection:
    features: list[Any]
    type: str = "FeatureCollection"


@dataclass(frozen=True)
class StandardAnswer:
    is_satisfied: bool
    text: str
    topic: str | None
    open_answer: bool


# What the feedback form offers to pick from; the resident's own words go in `text_extra`.
STANDARD_ANSWERS = [
    StandardAnswer(True, "Het probleem is opgelost", None, False),
    StandardAnswer(True, "Ik ben snel geholpen", None, False),
    StandardAnswer(False, "Het probleem is niet opgelost", None, False),
    StandardAnswer(False, "Het duurde te lang", None, False),
    StandardAnswer(False, "Anders, namelijk...", None, True),
]
