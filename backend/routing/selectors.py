"""Reads of the routing app: decisions for reports, explanations, versions (the preview of a
proposed set over stored reports is in backend/reports/selectors_routing.py)."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.gis.geos import Point
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from backend.common.errors import DomainValidationError
from backend.geo.selectors import AreaRef, areas_containing
from backend.organisations.models import Contractor
from backend.organisations.selectors import contractor_by_code
from backend.taxonomy.models import Category, Department

from .active import active_ruleset
from .conditions import Facts
from .engine import CompiledRuleSet, Decision, TraceEntry, decide, explain
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
            raise DomainValidationError.single(
                "category", _("Unknown category %(value)r.") % {"value": category}
            )
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
