"""Reads that need both reports and routing: what a proposed rule set would change.

Here, not in routing: the engine takes plain facts and never reads reports (reports sits
above routing and calls it at intake), so replaying a set over stored reports belongs to
the reports side.
"""

from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from backend.routing.active import compile_files
from backend.routing.selectors import routing_decide, routing_facts

from .models import Report


def _assignee(department: str | None, contractor: str | None) -> dict[str, str | None]:
    return {"department": department, "contractor": contractor}


def ruleset_preview(
    *, files: dict[str, str], days: int = 7, examples: int = 5, now: datetime | None = None
) -> dict[str, Any]:
    """Re-run a proposed (already validated) set over recent reports; change nothing.

    Compares the assignee each report has now with the one the proposed set would give it.
    Reports assigned by hand would not be re-routed, so they count as unchanged.
    """
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
