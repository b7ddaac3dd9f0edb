"""English WordNet 3.0, read from the database files of Debian's `wordnet-base` package
(/usr/share/wordnet; another directory through WORDNET_DIR) at run time. Never stored in a
model: a fitted model keeps only the synset numbers its vocabulary was built from, and those
are stable for the one WordNet version Debian ships.

What the classifier needs and nothing more: base forms of an inflected word (morphy, as
described in morphy(7WN)), a lemma's synsets in WordNet's sense-frequency order, a synset's
hypernyms and definition. The data files are memory-mapped and read at the
byte offsets the index gives; the index and the exception lists (about 150,000 lemmas) are
loaded once per process, in about half a second, on first use.
"""

import functools
import mmap
import os
import re
from pathlib import Path

from backend.common.lazy import PerProcess

POS = ("n", "v", "a", "r")
_FILE_NAME = {"n": "noun", "v": "verb", "a": "adj", "r": "adv"}

# morphy(7WN): suffix detachment rules per part of speech, tried after the exception lists.
_RULES = {
    "n": (
        ("s", ""),
        ("ses", "s"),
        ("xes", "x"),
        ("zes", "z"),
        ("ches", "ch"),
        ("shes", "sh"),
        ("men", "man"),
        ("ies", "y"),
    ),
    "v": (
        ("s", ""),
        ("ies", "y"),
        ("es", "e"),
        ("es", ""),
        ("ed", "e"),
        ("ed", ""),
        ("ing", "e"),
        ("ing", ""),
    ),
    "a": (("er", ""), ("est", ""), ("er", "e"), ("est", "e")),
    "r": (),
}

Synset = tuple[str, int]  # (part of speech, byte offset in its data file)


class WordNetMissing(RuntimeError):
    pass


def wordnet_dir() -> Path:
    return Path(os.environ.get("WORDNET_DIR", "/usr/share/wordnet"))


class WordNet:
    def __init__(self, directory: Path) -> None:
        if not (directory / "index.noun").is_file():
            raise WordNetMissing(
                f"no WordNet database in {directory}: install the Debian package wordnet-base"
            )
        self.index: dict[str, dict[str, tuple[int, ...]]] = {}
        self.exceptions: dict[str, dict[str, tuple[str, ...]]] = {}
        self._data: dict[str, mmap.mmap] = {}
        for pos in POS:
            name = _FILE_NAME[pos]
            lemmas: dict[str, tuple[int, ...]] = {}
            with open(directory / f"index.{name}", "rb") as f:
                for line in f:
                    if line.startswith(b"  "):  # the licence header
                        continue
                    fields = line.split()
                    senses = int(fields[2])
                    lemmas[fields[0].decode()] = tuple(int(o) for o in fields[-senses:])
            self.index[pos] = lemmas
            exceptions: dict[str, tuple[str, ...]] = {}
            with open(directory / f"{name}.exc", encoding="utf-8") as f:
                for text in f:
                    forms = text.split()  # the inflected form, then its base forms
                    if len(forms) > 1:
                        exceptions[forms[0]] = tuple(forms[1:])
            self.exceptions[pos] = exceptions
            with open(directory / f"data.{name}", "rb") as f:
                self._data[pos] = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)

    def base_forms(self, word: str, pos: str) -> list[str]:
        """The lemmas under `pos` that `word` is a form of: exceptions, the word itself, then
        the detachment rules; each once, in that order."""
        lemmas = self.index[pos]
        candidates = list(self.exceptions[pos].get(word, ()))
        candidates.append(word)
        for suffix, ending in _RULES[pos]:
            if word.endswith(suffix) and len(word) > len(suffix):
                candidates.append(word[: -len(suffix)] + ending)
        forms: list[str] = []
        for candidate in candidates:
            if candidate in lemmas and candidate not in forms:
                forms.append(candidate)
        return forms

    def synsets(self, lemma: str, pos: str) -> tuple[Synset, ...]:
        """The lemma's synsets, most frequent sense first (WordNet's own order)."""
        return tuple((pos, offset) for offset in self.index[pos].get(lemma, ()))

    def pointers(self, synset: Synset, symbols: frozenset[str]) -> list[Synset]:
        """The synsets that `synset` points to by any of the pointer `symbols`
        (wndb(5WN): "@" hypernym, "@i" instance hypernym...)."""
        pos, offset = synset
        data = self._data[pos]
        line = data[offset : data.find(b"\n", offset)].split(b" | ", 1)[0].decode().split()
        at = 4 + 2 * int(line[3], 16)
        targets = []
        for i in range(int(line[at])):
            symbol, target, target_pos = line[at + 1 + 4 * i : at + 4 + 4 * i]
            if symbol in symbols:
                # Adjective satellites ("s") live in the adjective files.
                targets.append(("a" if target_pos == "s" else target_pos, int(target)))
        return targets

    def gloss(self, synset: Synset) -> str:
        """The synset's definition, without its quoted example sentences."""
        pos, offset = synset
        data = self._data[pos]
        line = data[offset : data.find(b"\n", offset)].decode()
        definition = line.split(" | ", 1)[1] if " | " in line else ""
        return _EXAMPLE.sub(" ", definition)


_EXAMPLE = re.compile(r'"[^"]*"')


wordnet = PerProcess(lambda: WordNet(wordnet_dir()))


HYPERNYMS = frozenset({"@", "@i"})


@functools.lru_cache(maxsize=200_000)
def pointers(synset: Synset, symbols: frozenset[str]) -> tuple[Synset, ...]:
    return tuple(wordnet().pointers(synset, symbols))


@functools.lru_cache(maxsize=200_000)
def is_known(word: str) -> bool:
    """Whether WordNet has the word, inflected or not, under any part of speech."""
    wn = wordnet()
    return any(wn.base_forms(word, pos) for pos in POS)
