"""Golden cases: reports in, expected assignees out, checked against a directory's rules."""

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml
from django.contrib.gis.geos import Point

from backend.geo.selectors import areas_containing
from backend.taxonomy.models import Category

from .engine import CompiledRuleSet, Decision
from .selectors import routing_decide, routing_facts


@dataclass(frozen=True)
class CaseResult:
    file: str
    name: str
    failures: list[str]  # empty: the case passed
    decision: Decision | None

    @property
    def ok(self) -> bool:
        return not self.failures


def cases_read(directory: Path) -> list[tuple[str, dict[str, Any]]]:
    found: list[tuple[str, dict[str, Any]]] = []
    for path in sorted(directory.glob("*.yaml")):
        content = yaml.safe_load(path.read_text("utf-8")) or {}
        found += [(path.name, case) for case in content.get("cases") or []]
    return found


def case_run(file: str, case: dict[str, Any], ruleset: CompiledRuleSet) -> CaseResult:
    name = str(case.get("name", "?"))
    report = case.get("report") or {}
    expect = case.get("expect") or {}
    category = None
    if report.get("category"):
        category = (
            Category.objects.select_related("department").filter(path=report["category"]).first()
        )
        if category is None:
            return CaseResult(file, name, [f"unknown category {report['category']!r}"], None)
    at = report.get("at")
    facts = routing_facts(
        category=category,
        areas=areas_containing(Point(float(report["lon"]), float(report["lat"]), srid=4326)),
        text=str(report.get("text", "")),
        source=str(report.get("source", "app")),
        priority=str(report.get("priority", "normal")),
        at=at if isinstance(at, datetime) else datetime.fromisoformat(str(at)),
    )
    decision = routing_decide(facts=facts, ruleset=ruleset)
    failures: list[str] = []
    if "assign" in expect:
        wanted = expect["assign"] or {}
        got: dict[str, str | None] = (
            {"contractor": decision.contractor}
            if "contractor" in wanted
            else {"department": decision.department}
        )
        if "contractor" not in wanted and decision.contractor:
            got["contractor"] = decision.contractor
        if got != wanted:
            failures.append(f"assign: expected {wanted}, got {got}")
    if "rule" in expect and expect["rule"] != decision.rule:
        failures.append(f"rule: expected {expect['rule']}, got {decision.rule}")
    for key in ("priority", "needs_triage"):
        if key in expect and expect[key] != getattr(decision, key):
            failures.append(f"{key}: expected {expect[key]}, got {getattr(decision, key)}")
    return CaseResult(file, name, failures, decision)


def cases_run(cases_dir: Path, ruleset: CompiledRuleSet) -> list[CaseResult]:
    return [case_run(file, case, ruleset) for file, case in cases_read(cases_dir)]
