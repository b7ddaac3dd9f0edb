"""Reads of the routing app: decisions for reports, explanations, previews, versions."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.gis.geos import Point
from django.db.models import QuerySet
from django.utils import timezone

from backend.common.errors import DomainValidationError
from backend.geo.selectors import AreaRef, areas_containing
from backend.organisations.models import Contractor
from backend.organisations.selectors import contractor_by_code
from backend.taxonomy.models import Category, Department

from .active import active_ruleset, compile_files
from .engine import CompiledRuleSet, Decision, Facts, TraceEntry, decide, explain
from .models import RuleSet

_ACTIVE: Any = object()


def ruleset_active() -> RuleSet | None:
    return RuleSet.objects.select_related("loaded_by").filter(is_active=True).first()


def rulesets(*, limit: int = 20) -> QuerySet[RuleSet]:
    return RuleSet.objects.select_related("loaded_by").defer("files")[:limit]


def _zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def routing_facts(
    *,
    category: Category | None,
    areas: Iterable[AreaRef] | Iterable[str],
    text: str,
    source: str,
    priority: str,
    at: datetime,
) -> Facts:
    keys = frozenset(a if isinstance(a, str) else f"{a.type}:{a.code}" for a in areas)
    default = None
    if category is not None and category.department is not None:
        default = category.department.code
    return Facts(
        category=category.path if category else None,
        default_department=default,
        areas=keys,
        text=text,
        source=source,
        priority=priority,
        at=at,
    )


def routing_decide(*, facts: Facts, ruleset: CompiledRuleSet | None = _ACTIVE) -> Decision:
    """The decision for a report, with the active set unless another is given. No query,
    except the cached every-few-seconds check for another active version."""
    compiled = active_ruleset.get() if ruleset is _ACTIVE else ruleset
    return decide(compiled, facts, triage_department=settings.TRIAGE_DEPARTMENT_CODE, zone=_zone())


def decision_assignees(
    decision: Decision, category: Category | None
) -> tuple[Department | None, Contractor | None]:
    """The rows a decision names. The category's own department is at hand already."""
    department = None
    if decision.department:
        own = category.department if category and category.department_id else None
        if own is not None and own.code == decision.department:
            department = own
        else:
            department = Department.objects.filter(code=decision.department).first()
    contractor = contractor_by_code(decision.contractor) if decision.contractor else None
    return department, contractor


@dataclass(frozen=True)
class Explanation:
    decision: Decision
    trace: list[TraceEntry]
    areas: list[str]


def routing_explain(
    *,
    lat: float,
    lon: float,
    category: str | None,
    text: str = "",
    source: str = "app",
    priority: str = "normal",
    at: datetime | None = None,
    ruleset: CompiledRuleSet | None = _ACTIVE,
) -> Explanation:
    """Route a hypothetical report and say, rule by rule, why the earlier ones did not fire."""
    found = None
    if category:
        found = Category.objects.select_related("department").filter(path=category).first()
        if found is None:
            raise DomainValidationError.single("category", f"Unknown category {category!r}.")
    areas = areas_containing(Point(lon, lat, srid=4326))
    facts = routing_facts(
        category=found,
        areas=areas,
        text=text,
        source=source,
        priority=priority,
        at=at or timezone.now(),
    )
    compiled = active_ruleset.get() if ruleset is _ACTIVE else ruleset
    decision, trace = explain(
        compiled, facts, triage_department=settings.TRIAGE_DEPARTMENT_CODE, zone=_zone()
    )
    return Explanation(decision=decision, trace=trace, areas=sorted(facts.areas))


def _assignee(department: str | None, contractor: str | None) -> dict[str, str | None]:
    return {"department": department, "contractor": contractor}


def ruleset_preview(
    *, files: dict[str, str], days: int = 7, examples: int = 5, now: datetime | None = None
) -> dict[str, Any]:
    """Re-run a proposed (already validated) set over recent reports; change nothing.

    Compares the assignee each report has now with the one the proposed set would give it.
    Reports assigned by hand would not be re-routed, so they count as unchanged.
    """
    from backend.reports.models import Report  # reports imports routing at intake

    compiled = compile_files(files)
    since = (now or timezone.now()) - timedelta(days=days)
    reports = (
        Report.objects.filter(created_at__gte=since)
        .select_related("category__department", "department", "contractor")
        .prefetch_related("areas")
        .order_by("created_at")
    )
    total = changed = manual = 0
    groups: dict[tuple, dict[str, Any]] = {}
    for report in reports.iterator(chunk_size=500):
        total += 1
        if report.assigned_manually:
            manual += 1
            continue
        current = _assignee(
            report.department.code if report.department else None,
            report.contractor.code if report.contractor else None,
        )
        facts = routing_facts(
            category=report.category,
            areas=[f"{a.type}:{a.code}" for a in report.areas.all()],
            text=report.text,
            source=report.source,
            priority=report.priority,
            at=report.created_at,
        )
        decision = routing_decide(facts=facts, ruleset=compiled)
        proposed = _assignee(decision.department, decision.contractor)
        if proposed == current:
            continue
        changed += 1
        key = (tuple(current.values()), tuple(proposed.values()))
        group = groups.setdefault(
            key, {"from": current, "to": proposed, "count": 0, "rules": set(), "examples": []}
        )
        group["count"] += 1
        group["rules"].add(decision.rule)
        if len(group["examples"]) < examples:
            group["examples"].append(
                {"id": str(report.id), "category": facts.category, "rule": decision.rule}
            )
    changes = sorted(groups.values(), key=lambda g: -g["count"])
    for group in changes:
        group["rules"] = sorted(r for r in group["rules"] if r)  # empty: fallbacks decided
    return {
        "days": days,
        "since": since,
        "rules": len(compiled.rules),
        "reports": total,
        "changed": changed,
        "unchanged": total - changed - manual,
        "assigned_by_hand": manual,
        "changes": changes,
    }
