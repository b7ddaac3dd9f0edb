"""Reading and validating a rule set: the JSON Schema, then every reference, then the order.

Every problem is collected (never the first only) and names the file, the rule id and the
field as a JSON pointer into that file. Errors refuse the whole set; warnings do not.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings
from jsonschema import Draft202012Validator

from backend.geo.models import Area
from backend.organisations.models import Contractor
from backend.taxonomy.models import Category, Department

FILE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*\.yaml$")


def rules_dir() -> Path:
    return Path(settings.ROUTING_RULES_DIR)


@lru_cache(maxsize=1)
def rule_schema() -> dict[str, Any]:
    return json.loads((Path(settings.BASE_DIR) / "routing_rules" / "schema.json").read_text())


def files_read(directory: Path) -> dict[str, str]:
    """Every *.yaml directly in the directory (cases/ and other folders are not rules)."""
    return {p.name: p.read_text("utf-8") for p in sorted(directory.glob("*.yaml")) if p.is_file()}


def content_hash(files: dict[str, str]) -> str:
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(json.dumps([name, files[name]]).encode())
    return digest.hexdigest()


@dataclass(frozen=True)
class Problem:
    file: str
    rule: str | None
    field: str  # JSON pointer inside the file, "" for the whole file
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"file": self.file, "rule": self.rule, "field": self.field, "message": self.message}

    def __str__(self) -> str:
        rule = f" rule {self.rule}" if self.rule else ""
        return f"{self.file}{rule} {self.field or '/'}: {self.message}"


@dataclass
class Validation:
    parsed: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def rule_count(self) -> int:
        return sum(len(content.get("rules") or []) for _, content in self.parsed)


def _pointer(parts: Any) -> str:
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def _rule_id(content: Any, path: list[Any]) -> str | None:
    if len(path) >= 2 and path[0] == "rules" and isinstance(path[1], int):
        try:
            rule = content["rules"][path[1]]
        except (KeyError, IndexError, TypeError):
            return None
        if isinstance(rule, dict) and isinstance(rule.get("id"), str):
            return rule["id"]
    return None


@dataclass(frozen=True)
class _Known:
    categories: frozenset[str]
    mains: frozenset[str]
    areas: frozenset[tuple[str, str]]
    area_types: frozenset[str]
    departments: frozenset[str]
    contractors: frozenset[str]


def _known() -> _Known:
    paths = list(Category.objects.filter(is_active=True).values_list("path", "parent_id"))
    areas = frozenset(Area.objects.values_list("type", "code"))
    return _Known(
        categories=frozenset(p for p, parent in paths if parent is not None),
        mains=frozenset(p for p, parent in paths if parent is None),
        areas=areas,
        area_types=frozenset(t for t, _ in areas),
        departments=frozenset(
            Department.objects.filter(is_active=True).values_list("code", flat=True)
        ),
        contractors=frozenset(
            Contractor.objects.filter(is_active=True).values_list("code", flat=True)
        ),
    )


def ruleset_validate(files: dict[str, str]) -> Validation:
    """Parse and check a whole set. `files`: file name -> YAML text."""
    result = Validation()
    if not files:
        result.errors.append(Problem("", None, "", "A rule set needs at least one .yaml file."))
        return result
    validator = Draft202012Validator(rule_schema())
    schema_ok: list[tuple[str, list[tuple[int, dict[str, Any]]]]] = []
    for name in sorted(files):
        if not FILE_NAME.fullmatch(name):
            result.errors.append(
                Problem(name, None, "", "File names are letters, digits, . _ - and end in .yaml.")
            )
            continue
        try:
            content = yaml.safe_load(files[name])
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
            result.errors.append(Problem(name, None, "", f"Not valid YAML{where}: {exc}"))
            continue
        errors = sorted(validator.iter_errors(content), key=lambda e: list(e.absolute_path))
        bad_rules: set[int] = set()
        for error in errors:
            path = list(error.absolute_path)
            result.errors.append(
                Problem(name, _rule_id(content, path), _pointer(path), error.message)
            )
            if len(path) >= 2 and path[0] == "rules" and isinstance(path[1], int):
                bad_rules.add(path[1])
        if not errors:
            result.parsed.append((name, content))
        if isinstance(content, dict) and isinstance(content.get("rules"), list):
            # The rules the schema accepted are checked further, so one run says everything.
            good = [(i, r) for i, r in enumerate(content["rules"]) if i not in bad_rules]
            schema_ok.append((name, good))
    if not schema_ok:
        return result
    known = _known()
    seen: dict[str, str] = {}
    for name, indexed_rules in schema_ok:
        for index, rule in indexed_rules:
            base = f"/rules/{index}"
            rule_id = rule["id"]
            if rule_id in seen:
                result.errors.append(
                    Problem(name, rule_id, f"{base}/id", f"Duplicate id: also in {seen[rule_id]}.")
                )
            else:
                seen[rule_id] = name
            result.errors += _rule_problems(name, rule, base, known)
    if not result.errors:
        result.warnings += _shadowed(result.parsed)
    return result


def _rule_problems(name: str, rule: dict[str, Any], base: str, known: _Known) -> list[Problem]:
    problems: list[Problem] = []
    rule_id = rule["id"]

    def add(pointer: str, message: str) -> None:
        problems.append(Problem(name, rule_id, pointer, message))

    def conditions(when: dict[str, Any], at: str) -> None:
        for i, value in enumerate(when.get("category", [])):
            if value.endswith("/*"):
                if value[:-2] not in known.mains:
                    add(f"{at}/category/{i}", f"Unknown main category {value[:-2]!r}.")
            elif value not in known.categories:
                add(f"{at}/category/{i}", f"Unknown category {value!r}.")
        for key in ("area", "not_area"):
            for area_type, codes in (when.get(key) or {}).items():
                if area_type not in known.area_types:
                    add(f"{at}/{key}/{area_type}", f"Unknown area type {area_type!r}.")
                    continue
                for i, code in enumerate(codes):
                    if (area_type, code) not in known.areas:
                        add(f"{at}/{key}/{area_type}/{i}", f"Unknown {area_type} {code!r}.")
        window = when.get("time") or {}
        if "from" in window and window.get("from") == window.get("to"):
            add(f"{at}/time/to", "from and to are the same time: the window is empty.")
        for i, block in enumerate(when.get("any", [])):
            conditions(block, f"{at}/any/{i}")

    conditions(rule.get("when") or {}, f"{base}/when")
    then = rule["then"]
    assign = then.get("assign") or {}
    if "department" in assign and assign["department"] not in known.departments:
        add(f"{base}/then/assign/department", f"Unknown department {assign['department']!r}.")
    if "contractor" in assign and assign["contractor"] not in known.contractors:
        add(f"{base}/then/assign/contractor", f"Unknown contractor {assign['contractor']!r}.")
    if then.get("continue") and assign:
        add(f"{base}/then/assign", "A rule that continues cannot assign; drop one of the two.")
    if not then.get("continue") and not assign:
        add(f"{base}/then/assign", "A rule that does not continue must assign someone.")
    return problems


# --- rules an earlier rule always beats --------------------------------------------------


def _category_covers(wide: list[str], narrow: list[str] | None) -> bool:
    if narrow is None:
        return False
    mains = {v[:-2] for v in wide if v.endswith("/*")}
    return all(v in wide or v.split("/", 1)[0] in mains for v in narrow)


def _areas_cover(wide: dict[str, list[str]], narrow: dict[str, list[str]] | None) -> bool:
    if narrow is None:
        return False
    return all(set(codes) <= set(wide.get(t, [])) for t, codes in narrow.items())


def _when_covers(earlier: dict[str, Any], later: dict[str, Any]) -> bool:
    """Whenever `later` holds, `earlier` holds too (a sound check, not a complete one)."""
    for key, value in earlier.items():
        other = later.get(key)
        if key == "category":
            ok = _category_covers(value, other)
        elif key == "area":
            ok = _areas_cover(value, other)
        elif key == "not_area":
            ok = other is not None and _areas_cover(other, value)
        elif key in ("source", "priority"):
            ok = other is not None and set(other) <= set(value)
        elif key == "text":
            ok = other is not None and {p.casefold() for p in other} <= {
                p.casefold() for p in value
            }
        else:  # time, any: only when written identically
            ok = other == value
        if not ok:
            return False
    return True


def _shadowed(parsed: list[tuple[str, dict[str, Any]]]) -> list[Problem]:
    warnings: list[Problem] = []
    stoppers: list[tuple[str, dict[str, Any]]] = []  # earlier rules that assign and stop
    for name, content in parsed:
        for index, rule in enumerate(content["rules"]):
            when = rule.get("when") or {}
            for earlier_file, earlier in stoppers:
                if _when_covers(earlier.get("when") or {}, when):
                    warnings.append(
                        Problem(
                            name,
                            rule["id"],
                            f"/rules/{index}/when",
                            f"Can never match: rule {earlier['id']} ({earlier_file}) always "
                            "matches first.",
                        )
                    )
                    break
            if not rule["then"].get("continue"):
                stoppers.append((name, rule))
    return warnings
