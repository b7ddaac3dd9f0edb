"""Labelled examples the classifier learns from."""

import csv
import hashlib
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings


@dataclass(frozen=True)
class Example:
    text: str
    label: str  # "main/sub"


def seed_dir() -> Path:
    return Path(settings.BASE_DIR) / "fixtures" / "classification" / "seed"


def seed_examples() -> list[Example]:
    """The hand-written corpus in fixtures/ (Dutch and English, every sub category)."""
    examples = []
    for path in sorted(seed_dir().glob("*.csv")):
        with path.open(newline="", encoding="utf-8") as handle:
            examples += [
                Example(text=row["text"].strip(), label=row["category"].strip())
                for row in csv.DictReader(handle)
                if row["text"].strip()
            ]
    return examples


def digest(examples: list[Example]) -> tuple[str, int]:
    """A fingerprint of the training data and its size in bytes."""
    sha = hashlib.sha256()
    size = 0
    for example in examples:
        row = f"{example.label}\t{example.text}\n".encode()
        sha.update(row)
        size += len(row)
    return sha.hexdigest(), size
