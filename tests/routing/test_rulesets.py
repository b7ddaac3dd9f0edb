"""Versions, activation, refusal of invalid sets, the command, and the golden cases."""

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from backend.demo.services import demo_contractors_load, demo_routing_load
from backend.organisations.models import Contractor
from backend.routing.active import active_ruleset, compile_files
from backend.routing.cases import case_run, cases_read
from backend.routing.models import RuleSet
from backend.routing.services import RuleSetInvalid, ruleset_load
from backend.routing.validation import files_read, rules_dir
from tests.routing.conftest import rule_file

pytestmark = pytest.mark.django_db

GRN = {"assign": {"department": "GRN"}}
WEG = {"assign": {"department": "WEG"}}
# What routing_rules/ ships: count again when a rule or a golden case is added or dropped.
SHIPPED_RULES = 15
GOLDEN = cases_read(rules_dir() / "cases")
GOLDEN_CASES = 19


def test_loading_stores_a_version_and_activates_it():
    first = ruleset_load(files={"a.yaml": rule_file({"id": "a", "then": GRN})})
    assert first.created and first.ruleset.version == 1 and first.ruleset.is_active
    assert first.ruleset.rule_count == 1 and first.ruleset.loaded_by is None
    assert active_ruleset.get().version == 1

    second = ruleset_load(files={"a.yaml": rule_file({"id": "b", "then": WEG})})
    assert second.created and second.ruleset.version == 2
    assert list(RuleSet.objects.filter(is_active=True).values_list("version", flat=True)) == [2]
    assert [r.id for r in active_ruleset.get().rules] == ["b"]


def test_the_same_content_makes_no_new_version_but_becomes_active_again():
    files = {"a.yaml": rule_file({"id": "a", "then": GRN})}
    ruleset_load(files=files)
    ruleset_load(files={"a.yaml": rule_file({"id": "b", "then": WEG})})
    again = ruleset_load(files=files)
    assert not again.created and again.ruleset.version == 1 and again.ruleset.is_active
    assert RuleSet.objects.count() == 2
    assert active_ruleset.get().version == 1


def test_an_invalid_set_is_refused_whole_and_the_active_one_stays():
    ruleset_load(files={"a.yaml": rule_file({"id": "a", "then": GRN})})
    bad = {
        "a.yaml": rule_file({"id": "a", "then": GRN}),
        "b.yaml": rule_file({"id": "b", "when": {"category": ["afval/nope"]}, "then": WEG}),
    }
    with pytest.raises(RuleSetInvalid) as caught:
        ruleset_load(files=bad)
    assert [(p.file, p.rule, p.field) for p in caught.value.problems] == [
        ("b.yaml", "b", "/rules/0/when/category/0")
    ]
    assert "files.b.yaml/rules/0/when/category/0" in caught.value.errors
    assert RuleSet.objects.count() == 1
    assert RuleSet.objects.get(is_active=True).version == 1
    assert [r.id for r in active_ruleset.get().rules] == ["a"]


def test_other_processes_pick_up_a_new_version_after_the_reload_interval(settings):
    ruleset_load(files={"a.yaml": rule_file({"id": "a", "then": GRN})})
    settings.ROUTING_RELOAD_SECONDS = 3600
    assert active_ruleset.get().version == 1
    # Another process activates v2: this one keeps its copy until it checks again.
    RuleSet.objects.update(is_active=False)
    RuleSet.objects.create(
        version=2,
        content_hash="x" * 64,
        files={"a.yaml": rule_file({"id": "b", "then": WEG})},
        rule_count=1,
        is_active=True,
    )
    assert active_ruleset.get().version == 1
    settings.ROUTING_RELOAD_SECONDS = 0
    assert active_ruleset.get().version == 2


def test_setup_demo_loads_contractors_and_rules_idempotently():
    assert demo_contractors_load() == demo_contractors_load()
    assert Contractor.objects.filter(code="linde-groen").count() == 1
    first = demo_routing_load()
    second = demo_routing_load()
    assert first.created and not second.created
    assert first.ruleset.pk == second.ruleset.pk and RuleSet.objects.count() == 1


def test_the_shipped_rules_are_valid_without_warnings(contractors, capsys):
    out = StringIO()
    call_command("routing_rules", "check", stdout=out)
    assert "OK" in out.getvalue() and "warning" not in out.getvalue()
    assert f": {SHIPPED_RULES} rules, OK" in out.getvalue()


def _write(directory: Path, name: str, text: str) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / name).write_text(text)


def test_command_check_and_load_refuse_errors(tmp_path):
    _write(tmp_path, "10-a.yaml", rule_file({"id": "a", "then": {"assign": {"department": "X"}}}))
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("routing_rules", "check", str(tmp_path), stderr=err)
    assert "10-a.yaml rule a /rules/0/then/assign/department" in err.getvalue()
    with pytest.raises(CommandError, match="the active set stays active"):
        call_command("routing_rules", "load", str(tmp_path), stderr=StringIO())
    assert not RuleSet.objects.exists()

    _write(tmp_path, "10-a.yaml", rule_file({"id": "a", "then": GRN}))
    out = StringIO()
    call_command("routing_rules", "load", str(tmp_path), stdout=out)
    assert "rule set v1 (1 rules): stored and activated" in out.getvalue()


def test_command_test_lists_every_failing_case_without_activating(tmp_path, contractors):
    _write(tmp_path / "rules", "10-a.yaml", rule_file({"id": "trees", "then": GRN}))
    cases = """
cases:
  - name: passes
    report: {lat: 52.39, lon: 4.92, category: afval/grofvuil, at: "2026-03-11T10:00:00+01:00"}
    expect: {assign: {department: GRN}, rule: trees}
  - name: wrong assignee
    report: {lat: 52.39, lon: 4.92, category: afval/grofvuil, at: "2026-03-11T10:00:00+01:00"}
    expect: {assign: {contractor: linde-groen}, rule: trees}
  - name: wrong rule
    report: {lat: 52.39, lon: 4.92, category: afval/grofvuil, at: "2026-03-11T10:00:00+01:00"}
    expect: {assign: {department: GRN}, rule: null}
"""
    _write(tmp_path / "cases", "a.yaml", cases)
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError):
        call_command(
            "routing_rules",
            "test",
            str(tmp_path / "cases"),
            "--rules",
            str(tmp_path / "rules"),
            stdout=out,
            stderr=err,
        )
    assert "1 passed, 2 failed" in out.getvalue()
    assert "wrong assignee" in err.getvalue() and "wrong rule" in err.getvalue()
    assert not RuleSet.objects.exists()


def test_command_test_passes_on_the_shipped_rules_and_cases(contractors):
    out = StringIO()
    call_command("routing_rules", "test", stdout=out)
    assert " 0 failed" in out.getvalue()
    assert f"{GOLDEN_CASES} passed, 0 failed" in out.getvalue()


def test_command_explain(shipped_rules):
    out = StringIO()
    call_command(
        "routing_rules",
        "explain",
        "--lat=52.3731",
        "--lon=4.8926",
        "--category=openbaar-groen-en-water/omgevallen-boom",
        "--at=2026-03-11T23:30:00+01:00",
        stdout=out,
    )
    text = out.getvalue()
    assert "fallen-trees-noord: failed on area" in text
    assert "contractor linde-groen for department GRN by rule (rule fallen-trees-at-night" in text


def test_every_golden_case_is_read():
    assert len(GOLDEN) == GOLDEN_CASES


@pytest.mark.parametrize(("file", "case"), GOLDEN, ids=[c["name"] for _, c in GOLDEN])
def test_golden_case(file, case, contractors):
    compiled = compile_files(files_read(rules_dir()))
    result = case_run(file, case, compiled)
    assert result.ok, result.failures
