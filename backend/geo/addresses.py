"""How an address is written and searched: the folded text a prefix search compares, and a
searcher's words parsed into a street prefix, a postcode and a house number."""

import re
import unicodedata
from dataclasses import dataclass

_NOT_WORD = re.compile(r"[^a-z0-9]+")
_POSTCODE = re.compile(r"^\s*(\d{4})\s*([A-Za-z]{2})?\s*(.*)$")
# A trailing house number with an optional letter or addition: "4", "4a", "4 A", "4-2".
_NUMBER = re.compile(
    r"^(?P<rest>.*?)\s*\b(?P<number>\d{1,5})\s*[-\s]?\s*(?P<suffix>[A-Za-z0-9]{0,4})$"
)


def fold(text: str) -> str:
    """Lower case, without accents or punctuation, single spaces: "Kerk-straat É" ->
    "kerk straat e"."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    return _NOT_WORD.sub(" ", plain).strip()


def postcode_normal(postcode: str) -> str:
    """ "1234 ab" -> "1234AB"."""
    return re.sub(r"\s+", "", postcode).upper()


def address_search_text(*, street: str, number: int, suffix: str) -> str:
    """What a prefix search compares: the folded street, the number and its addition."""
    return f"{fold(street)} {number}{fold(suffix).replace(' ', '')}".strip()


@dataclass(frozen=True)
class AddressQuery:
    """A searcher's words: a street prefix (folded) or a postcode (or its first digits), and
    a house number with its addition when given."""

    street: str = ""
    postcode: str = ""
    number: int | None = None
    suffix: str = ""


def address_query_parse(q: str) -> AddressQuery:
    """ "Kerkstr 4" -> street "kerkstr", number 4; "1234AB 5" -> postcode "1234AB", number 5;
    "1234 ab" -> postcode "1234AB"; "2e Jan Steenstraat 10b" -> street "2e jan steenstraat",
    number 10, suffix "b"."""
    q = q.strip()
    if match := _POSTCODE.match(q):
        digits, letters, rest = match.groups()
        number, suffix = _number_of(rest)
        if not rest or number is not None:
            return AddressQuery(
                postcode=digits + (letters or "").upper(), number=number, suffix=suffix
            )
    match = _NUMBER.match(q)
    if match and match.group("rest").strip():
        return AddressQuery(
            street=fold(match.group("rest")),
            number=int(match.group("number")),
            suffix=fold(match.group("suffix")),
        )
    return AddressQuery(street=fold(q))


def _number_of(text: str) -> tuple[int | None, str]:
    match = re.match(r"^\s*(\d{1,5})\s*[-\s]?\s*([A-Za-z0-9]{0,4})\s*$", text)
    if not match:
        return None, ""
    return int(match.group(1)), fold(match.group(2))
