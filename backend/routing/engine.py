"""The rule engine: compile a parsed rule set once, then decide reports in memory.

Pure Python: no database access here. A decision needs the report's facts (category path,
the category's default department, the "type:code" strings of the areas containing its point,
text, source, priority, time) and the compiled set; everything else is the service's job.

Semantics (documented for municipalities in routing_rules/README.md):
- files in name order, rules in file order, the first rule that assigns wins;
- a rule with ``continue: true`` applies its priority/deadline and the search goes on;
- priority and deadline: the first matching rule that sets one decides it;
- ``time``: ``days`` names the day the window *starts* on; a window whose ``to`` is not later
  than ``from`` runs past midnight into the next day. Wall-clock time in the configured zone,
  so a window means the same local hours on a daylight-saving change day.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from backend.taxonomy.sla import add_working_days

from .conditions import (
    AreaCondition,
    CategoryCondition,
    Condition,
    Facts,
    NotAreaCondition,
    PriorityCondition,
    SourceCondition,
    State,
    TextCondition,
    TimeCondition,
    all_hold,
    compile_conditions,
    normalise,
)


@dataclass(frozen=True)
class Assignee:
    department: str | None = None
    contractor: str | None = None


@dataclass
class Rule:
    position: int  # order in the whole set: files by name, rules by file order
    id: str
    file: str
    description: str
    when: dict[str, Any]
    conditions: list[Condition]
    assign: Assignee | None
    priority: str | None
    deadline: dict[str, int] | None
    cont: bool

    @property
    def category(self) -> CategoryCondition | None:
        return next((c for c in self.conditions if isinstance(c, CategoryCondition)), None)

    @property
    def area(self) -> AreaCondition | None:
        return next((c for c in self.conditions if isinstance(c, AreaCondition)), None)


@dataclass
class _Bucket:
    """The rules of one category key, split by whether an `area` condition narrows them."""

    anywhere: list[Rule] = field(default_factory=list)
    by_area: dict[str, list[Rule]] = field(default_factory=dict)

    def add(self, rule: Rule) -> None:
        area = rule.area
        if area is None:
            self.anywhere.append(rule)
        else:
            for key in area.keys:
                self.by_area.setdefault(key, []).append(rule)

    def lists(self, areas: frozenset[str]) -> Iterable[list[Rule]]:
        if self.anywhere:
            yield self.anywhere
        if self.by_area:
            for area in areas:
                found = self.by_area.get(area)
                if found:
                    yield found


def rule_from_dict(raw: dict[str, Any], *, position: int, file: str) -> Rule:
    then = raw.get("then") or {}
    assign = then.get("assign")
    return Rule(
        position=position,
        id=raw["id"],
        file=file,
        description=raw.get("description", ""),
        when=raw.get("when") or {},
        conditions=compile_conditions(raw.get("when") or {}),
        assign=Assignee(assign.get("department"), assign.get("contractor")) if assign else None,
        priority=then.get("priority"),
        deadline=then.get("deadline"),
        cont=bool(then.get("continue", False)),
    )


class CompiledRuleSet:
    """Rules indexed by category key ("main/sub", "main/*", or none) and then by area."""

    def __init__(self, rules: list[Rule], *, version: int | None = None) -> None:
        self.rules = rules
        self.version = version
        self._buckets: dict[str | None, _Bucket] = {}
        for rule in rules:
            category = rule.category
            keys: list[str | None] = (
                [*category.exact, *(f"{m}/*" for m in category.mains)] if category else [None]
            )
            for key in keys:
                self._buckets.setdefault(key, _Bucket()).add(rule)

    @classmethod
    def from_files(cls, parsed: list[tuple[str, dict[str, Any]]], *, version: int | None = None):
        """`parsed`: (file name, its YAML content) in name order."""
        rules: list[Rule] = []
        for name, content in parsed:
            for raw in content.get("rules") or []:
                rules.append(rule_from_dict(raw, position=len(rules), file=name))
        return cls(rules, version=version)

    def candidates(self, facts: Facts) -> list[Rule]:
        """The rules that can possibly match, in set order, without looking at the others."""
        lists: list[list[Rule]] = []
        keys: tuple[str | None, ...] = (facts.category, f"{facts.main}/*", None)
        for key in keys if facts.category else (None,):
            bucket = self._buckets.get(key)
            if bucket is not None:
                lists.extend(bucket.lists(facts.areas))
        if not lists:
            return []
        if len(lists) == 1:
            return lists[0]
        merged = {rule.position: rule for found in lists for rule in found}
        return [merged[p] for p in sorted(merged)]


# --- decisions ---------------------------------------------------------------------------


@dataclass
class Decision:
    department: str | None
    contractor: str | None
    reason: str  # "rule" | "category_default" | "triage"
    rule: str | None
    ruleset_version: int | None
    priority: str | None  # set by a rule, else None (the report keeps its own)
    deadline: dict[str, int] | None  # {"hours": n} or {"working_days": n} from a rule
    needs_triage: bool
    # Every rule that matched (continue rules first), with what each condition matched on.
    matched: list[dict[str, Any]] = field(default_factory=list)

    def deadline_at(self, start: datetime) -> datetime | None:
        if not self.deadline:
            return None
        if "hours" in self.deadline:
            return start + timedelta(hours=self.deadline["hours"])
        return add_working_days(start, self.deadline["working_days"])

    def as_dict(self) -> dict[str, Any]:
        return {
            "assign": {"department": self.department, "contractor": self.contractor},
            "reason": self.reason,
            "rule": self.rule,
            "ruleset_version": self.ruleset_version,
            "priority": self.priority,
            "deadline": self.deadline,
            "needs_triage": self.needs_triage,
            "matched": self.matched,
        }


@dataclass(frozen=True)
class TraceEntry:
    rule: str
    file: str
    outcome: str  # "failed" | "applied" (continue) | "matched"
    condition: str | None  # the first failing condition
    detail: str = ""


def _state(facts: Facts, zone: ZoneInfo) -> State:
    return State(
        facts=facts,
        text=normalise(facts.text),
        priority=facts.priority,
        local=facts.at.astimezone(zone),
    )


def _fallback(
    facts: Facts, triage_department: str | None, version: int | None, priority, deadline, matched
) -> Decision:
    if facts.default_department:
        return Decision(
            facts.default_department,
            None,
            "category_default",
            None,
            version,
            priority,
            deadline,
            False,
            matched,
        )
    return Decision(
        triage_department, None, "triage", None, version, priority, deadline, True, matched
    )


def _assigned(rule: Rule, facts: Facts, triage: str | None, version, priority, deadline, matched):
    assert rule.assign is not None
    if rule.assign.contractor:
        # The department stays responsible for work a contractor does.
        department = rule.assign.department or facts.default_department or triage
        return Decision(
            department,
            rule.assign.contractor,
            "rule",
            rule.id,
            version,
            priority,
            deadline,
            False,
            matched,
        )
    return Decision(
        rule.assign.department, None, "rule", rule.id, version, priority, deadline, False, matched
    )


def decide(
    ruleset: CompiledRuleSet | None,
    facts: Facts,
    *,
    triage_department: str | None,
    zone: ZoneInfo,
) -> Decision:
    """The first assigning rule among the candidates, else the category default, else triage."""
    version = ruleset.version if ruleset else None
    priority: str | None = None
    deadline: dict[str, int] | None = None
    matched: list[dict[str, Any]] = []
    if ruleset is not None:
        state = _state(facts, zone)
        for rule in ruleset.candidates(facts):
            conditions = all_hold(rule.conditions, state)
            if conditions is None:
                continue
            matched.append({"rule": rule.id, "conditions": conditions})
            if rule.priority and priority is None:
                priority = rule.priority
                state.priority = priority
            if rule.deadline and deadline is None:
                deadline = rule.deadline
            if rule.cont or rule.assign is None:
                continue
            return _assigned(rule, facts, triage_department, version, priority, deadline, matched)
    return _fallback(facts, triage_department, version, priority, deadline, matched)


def explain(
    ruleset: CompiledRuleSet | None,
    facts: Facts,
    *,
    triage_department: str | None,
    zone: ZoneInfo,
) -> tuple[Decision, list[TraceEntry]]:
    """The decision, and for every rule before the deciding one the first condition that failed.

    Walks every rule (not just the index's candidates): a reader wants to see why the rule
    they expected did not fire, including "wrong category".
    """
    decision = decide(ruleset, facts, triage_department=triage_department, zone=zone)
    trace: list[TraceEntry] = []
    if ruleset is None:
        return decision, trace
    state = _state(facts, zone)
    priority_set = False
    for rule in ruleset.rules:
        failed: Condition | None = None
        for condition in rule.conditions:
            value = condition.test(state)
            if value is None or value is False:
                failed = condition
                break
        if failed is not None:
            trace.append(
                TraceEntry(rule.id, rule.file, "failed", failed.key, _describe(failed, state))
            )
            continue
        if rule.priority and not priority_set:
            state.priority, priority_set = rule.priority, True
        if rule.cont or rule.assign is None:
            trace.append(TraceEntry(rule.id, rule.file, "applied", None))
            continue
        trace.append(TraceEntry(rule.id, rule.file, "matched", None))
        break
    return decision, trace


def _describe(condition: Condition, state: State) -> str:
    facts = state.facts
    if isinstance(condition, CategoryCondition):
        return f"category is {facts.category or 'none'}"
    if isinstance(condition, (AreaCondition, NotAreaCondition)):
        return "report lies in " + (", ".join(sorted(facts.areas)) or "no known area")
    if isinstance(condition, SourceCondition):
        return f"source is {facts.source}"
    if isinstance(condition, PriorityCondition):
        return f"priority is {state.priority}"
    if isinstance(condition, TimeCondition):
        return f"local time is {state.local:%a %H:%M}"
    if isinstance(condition, TextCondition):
        return "none of the phrases occurs in the text"
    return "no block of conditions holds"
