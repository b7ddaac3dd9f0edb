"""The rule engine on its own: conditions, combinators, order, continue, fallbacks, index."""

import random
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from backend.routing.conditions import Facts, normalise
from backend.routing.engine import CompiledRuleSet, decide, explain

AMS = ZoneInfo("Europe/Amsterdam")
TREE = "openbaar-groen-en-water/omgevallen-boom"
WED_NOON = datetime(2026, 3, 11, 12, 0, tzinfo=AMS)


def facts(**overrides) -> Facts:
    values = {
        "category": TREE,
        "default_department": "GRN",
        "areas": frozenset({"municipality:0363", "district:centrum"}),
        "text": "",
        "source": "app",
        "priority": "normal",
        "at": WED_NOON,
    }
    values.update(overrides)
    return Facts(**values)


def ruleset(*files: list[dict]) -> CompiledRuleSet:
    parsed = [(f"{i:02}.yaml", {"version": 1, "rules": rules}) for i, rules in enumerate(files)]
    return CompiledRuleSet.from_files(parsed, version=7)


def rule(rule_id: str = "r", then: dict | None = None, **when) -> dict:
    return {"id": rule_id, "when": when, "then": then or {"assign": {"contractor": "linde-groen"}}}


def route(rules: CompiledRuleSet | None, f: Facts):
    return decide(rules, f, triage_department="KCC", zone=AMS)


def matches(when: dict, f: Facts) -> bool:
    return route(ruleset([rule(**when)]), f).rule == "r"


@pytest.mark.parametrize(
    ("when", "f", "expected"),
    [
        ({"category": [TREE]}, facts(), True),
        ({"category": ["openbaar-groen-en-water/boom"]}, facts(), False),
        ({"category": ["openbaar-groen-en-water/*"]}, facts(), True),
        ({"category": ["afval/*"]}, facts(), False),
        ({"category": [TREE]}, facts(category=None, default_department=None), False),
        ({"area": {"district": ["noord", "centrum"]}}, facts(), True),
        ({"area": {"district": ["noord"]}}, facts(), False),
        ({"area": {"district": ["noord"], "municipality": ["0363"]}}, facts(), True),
        ({"not_area": {"district": ["centrum"]}}, facts(), False),
        ({"not_area": {"district": ["noord"]}}, facts(), True),
        ({"source": ["phone", "web"]}, facts(source="phone"), True),
        ({"source": ["phone", "web"]}, facts(), False),
        ({"priority": ["high"]}, facts(priority="high"), True),
        ({"priority": ["high"]}, facts(), False),
        ({"text": ["omgevallen"]}, facts(text="De boom is OMGEVALLEN!"), True),
        ({"text": ["afgebroken tak"]}, facts(text="een  afgebroken\ntak"), True),
        ({"text": ["café"]}, facts(text="Bij het CAFE ligt een tak"), True),
        ({"text": ["cafe"]}, facts(text="bij het Café"), True),
        ({"text": ["tak"]}, facts(text="twee takken"), True),  # a phrase may end inside a word
        ({"text": ["tak"]}, facts(text="hij stak over"), False),  # but starts at a word
        ({"text": ["gevaar", "ongeluk"]}, facts(text="bijna een ongeluk"), True),
        ({"text": ["gevaar"]}, facts(text="niets aan de hand"), False),
        ({}, facts(), True),  # no condition: always holds
    ],
)
def test_each_condition_key(when, f, expected):
    assert matches(when, f) is expected


def test_all_keys_must_hold():
    when = {"category": [TREE], "area": {"district": ["centrum"]}, "source": ["app"]}
    assert matches(when, facts())
    assert not matches(when, facts(source="web"))
    assert not matches(when, facts(areas=frozenset({"district:noord"})))


def test_any_holds_when_one_block_holds():
    when = {"any": [{"area": {"district": ["west"]}}, {"text": ["gevaar"], "source": ["app"]}]}
    assert matches(when, facts(areas=frozenset({"district:west"})))
    assert matches(when, facts(text="gevaarlijke situatie"))
    assert not matches(when, facts(text="gevaarlijke situatie", source="web"))
    assert not matches(when, facts())
    decision = route(ruleset([rule(**when)]), facts(text="gevaar"))
    assert decision.matched[0]["conditions"]["any"] == {
        "block": 1,
        "text": "gevaar",
        "source": "app",
    }


NIGHT = {"time": {"from": "18:00", "to": "07:00"}}
SAT_NIGHT = {"time": {"days": ["sat"], "from": "22:00", "to": "06:00"}}


@pytest.mark.parametrize(
    ("when", "local", "expected"),
    [
        ({"time": {"from": "09:00", "to": "17:00"}}, (2026, 3, 11, 9, 0), True),
        ({"time": {"from": "09:00", "to": "17:00"}}, (2026, 3, 11, 17, 0), False),  # to: exclusive
        (NIGHT, (2026, 3, 11, 23, 30), True),
        (NIGHT, (2026, 3, 12, 6, 59), True),
        (NIGHT, (2026, 3, 12, 7, 0), False),
        (NIGHT, (2026, 3, 11, 12, 0), False),
        # `days` names the day the window starts: Saturday 22:00 until Sunday 06:00.
        (SAT_NIGHT, (2026, 3, 14, 23, 0), True),
        (SAT_NIGHT, (2026, 3, 15, 3, 0), True),
        (SAT_NIGHT, (2026, 3, 14, 3, 0), False),  # Saturday early: Friday's window
        (SAT_NIGHT, (2026, 3, 15, 23, 0), False),
        ({"time": {"days": ["sat", "sun"]}}, (2026, 3, 15, 12, 0), True),
        ({"time": {"days": ["sat", "sun"]}}, (2026, 3, 16, 12, 0), False),
        ({"time": {"from": "00:00", "to": "24:00"}}, (2026, 3, 16, 23, 59), True),
    ],
)
def test_time_windows_in_local_time_across_midnight(when, local, expected):
    at = datetime(*local, tzinfo=AMS)
    assert matches(when, facts(at=at.astimezone(ZoneInfo("UTC")))) is expected


@pytest.mark.parametrize(
    ("utc", "expected"),
    [
        # 29 March 2026, clocks go 02:00 CET -> 03:00 CEST. 05:30 UTC is 07:30 local: out of
        # an 18:00-07:00 window (a fixed UTC+1 would say 06:30, inside).
        ((2026, 3, 29, 5, 30), False),
        ((2026, 3, 29, 4, 30), True),  # 06:30 CEST
        # 25 October 2026, clocks go 03:00 CEST -> 02:00 CET. 05:30 UTC is 06:30 CET: in
        # (a fixed UTC+2 would say 07:30, out); 06:30 UTC is 07:30 CET: out.
        ((2026, 10, 25, 6, 30), False),
        ((2026, 10, 25, 5, 30), True),
        ((2026, 10, 24, 16, 30), True),  # 18:30 CEST on the Saturday before
        ((2026, 10, 24, 15, 30), False),  # 17:30 CEST
    ],
)
def test_time_windows_on_daylight_saving_change_days(utc, expected):
    at = datetime(*utc, tzinfo=ZoneInfo("UTC"))
    assert matches(NIGHT, facts(at=at)) is expected


def test_first_match_wins_across_files_in_name_order():
    rules = ruleset(
        [rule("first", {"assign": {"department": "WEG"}}, category=[TREE])],
        [rule("second", {"assign": {"contractor": "linde-groen"}}, category=[TREE])],
    )
    decision = route(rules, facts())
    assert (decision.rule, decision.department, decision.contractor) == ("first", "WEG", None)
    assert decision.reason == "rule" and decision.ruleset_version == 7


def test_continue_applies_priority_and_deadline_and_keeps_looking():
    rules = ruleset(
        [
            rule("urgent", {"priority": "high", "deadline": {"hours": 4}, "continue": True}),
            rule("later-priority", {"priority": "low", "continue": True}),
            rule("needs-high", {"assign": {"department": "HHD"}}, priority=["high"]),
        ]
    )
    decision = route(rules, facts())
    assert decision.rule == "needs-high" and decision.department == "HHD"
    # The first rule that sets a value decides it; conditions see the raised priority.
    assert decision.priority == "high" and decision.deadline == {"hours": 4}
    assert [m["rule"] for m in decision.matched] == ["urgent", "later-priority", "needs-high"]
    assert decision.deadline_at(WED_NOON) == datetime(2026, 3, 11, 16, 0, tzinfo=AMS)


def test_continue_without_an_assigning_rule_falls_back_but_keeps_priority():
    rules = ruleset([rule("urgent", {"priority": "high", "continue": True})])
    decision = route(rules, facts())
    assert (decision.reason, decision.rule, decision.department) == (
        "category_default",
        None,
        "GRN",
    )
    assert decision.priority == "high"


def test_working_day_deadline_skips_the_weekend():
    rules = ruleset([rule("r", {"assign": {"department": "GRN"}, "deadline": {"working_days": 2}})])
    friday = datetime(2026, 3, 13, 10, 0, tzinfo=AMS)
    decision = route(rules, facts(at=friday))
    assert decision.deadline_at(friday) == datetime(2026, 3, 17, 10, 0, tzinfo=AMS)


def test_a_contractor_keeps_the_category_department_responsible():
    decision = route(ruleset([rule()]), facts())
    assert (decision.contractor, decision.department) == ("linde-groen", "GRN")
    assert not decision.needs_triage


@pytest.mark.parametrize("rules", [None, ruleset([rule(category=["afval/*"])])])
def test_fallbacks_category_default_then_triage(rules):
    decision = route(rules, facts())
    assert (decision.department, decision.reason, decision.needs_triage) == (
        "GRN",
        "category_default",
        False,
    )
    triage = route(rules, facts(category=None, default_department=None))
    assert (triage.department, triage.reason, triage.needs_triage) == ("KCC", "triage", True)
    assert triage.rule is None


def test_explain_names_the_first_failing_condition_of_each_earlier_rule():
    rules = ruleset(
        [
            rule("wrong-category", category=["afval/*"], area={"district": ["centrum"]}),
            rule("wrong-area", category=[TREE], area={"district": ["noord"]}),
            rule("raise", {"priority": "high", "continue": True}),
            rule("right", {"assign": {"department": "GRN"}}, category=[TREE], text=["boom"]),
            rule("after"),
        ]
    )
    decision, trace = explain(rules, facts(text="boom"), triage_department="KCC", zone=AMS)
    assert decision.rule == "right"
    assert [(t.rule, t.outcome, t.condition) for t in trace] == [
        ("wrong-category", "failed", "category"),
        ("wrong-area", "failed", "area"),
        ("raise", "applied", None),
        ("right", "matched", None),
    ]


def test_normalise_folds_case_accents_and_spaces():
    assert normalise("  Ëén  CAFÉ\tstraße ") == "een cafe strasse"


def test_the_index_decides_exactly_as_a_full_scan_would():
    """Random rules and reports: the indexed candidates give the same decision as every rule."""
    rng = random.Random(4)
    categories = [TREE, "openbaar-groen-en-water/boom", "afval/grofvuil", "afval/zwerfafval"]
    districts = ["noord", "oost", "west", "centrum"]
    rules = []
    for i in range(300):
        when: dict = {}
        if rng.random() < 0.7:
            when["category"] = rng.sample([*categories, "afval/*"], rng.randint(1, 2))
        if rng.random() < 0.5:
            when["area"] = {"district": rng.sample(districts, rng.randint(1, 2))}
        if rng.random() < 0.3:
            when["source"] = [rng.choice(["app", "web"])]
        if rng.random() < 0.3:
            when["text"] = [rng.choice(["boom", "vuil", "gevaar"])]
        then = {"assign": {"department": f"D{i}"}}
        if rng.random() < 0.1:
            then = {"priority": "high", "continue": True}
        rules.append(rule(f"r{i}", then, **when))
    compiled = ruleset(rules[:150], rules[150:])
    for _ in range(500):
        f = facts(
            category=rng.choice(categories),
            areas=frozenset({f"district:{rng.choice(districts)}", "municipality:0363"}),
            source=rng.choice(["app", "web"]),
            text=rng.choice(["boom", "vuil", "gevaar", ""]),
        )
        fast = route(compiled, f)
        _, trace = explain(compiled, f, triage_department="KCC", zone=AMS)
        matched = [t.rule for t in trace if t.outcome == "matched"]
        assert fast.rule == (matched[0] if matched else None)
