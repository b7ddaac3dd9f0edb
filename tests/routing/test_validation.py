"""Every kind of validation error names file, rule and field; all are reported at once."""

import pytest

from backend.routing.validation import ruleset_validate
from tests.routing.conftest import rule_file

pytestmark = pytest.mark.django_db

TREE = "openbaar-groen-en-water/omgevallen-boom"
OK_THEN = {"assign": {"department": "GRN"}}


def problems(files: dict[str, str]) -> list[tuple[str, str | None, str]]:
    return [(p.file, p.rule, p.field) for p in ruleset_validate(files).errors]


def one_rule(**fields) -> dict[str, str]:
    return {"10-x.yaml": rule_file({"id": "r1", "then": OK_THEN, **fields})}


def test_a_good_set_has_no_problems(contractors):
    result = ruleset_validate(
        {
            "10-x.yaml": rule_file(
                {
                    "id": "trees",
                    "when": {
                        "category": [TREE, "afval/*"],
                        "area": {"district": ["noord"]},
                        "not_area": {"neighbourhood": ["jordaan"]},
                        "text": ["boom"],
                        "source": ["app"],
                        "priority": ["high"],
                        "time": {"days": ["sat"], "from": "18:00", "to": "07:00"},
                        "any": [{"text": ["x"]}, {"source": ["web"]}],
                    },
                    "then": {
                        "assign": {"contractor": "linde-groen"},
                        "priority": "high",
                        "deadline": {"working_days": 2},
                    },
                }
            )
        }
    )
    assert result.ok and result.rule_count == 1 and not result.warnings


@pytest.mark.parametrize(
    ("rule", "field"),
    [
        ({"id": "Bad_Id", "then": OK_THEN}, "/rules/0/id"),
        ({"id": "r1", "then": OK_THEN, "colour": "red"}, "/rules/0"),
        ({"id": "r1"}, "/rules/0"),
        ({"id": "r1", "when": {"weather": ["rain"]}, "then": OK_THEN}, "/rules/0/when"),
        ({"id": "r1", "when": {"category": ["boom"]}, "then": OK_THEN}, "/rules/0/when/category/0"),
        ({"id": "r1", "when": {"source": ["fax"]}, "then": OK_THEN}, "/rules/0/when/source/0"),
        (
            {"id": "r1", "when": {"time": {"from": "25:00", "to": "07:00"}}, "then": OK_THEN},
            "/rules/0/when/time/from",
        ),
        ({"id": "r1", "when": {"time": {"from": "18:00"}}, "then": OK_THEN}, "/rules/0/when/time"),
        (
            {"id": "r1", "when": {"time": {"days": ["someday"]}}, "then": OK_THEN},
            "/rules/0/when/time/days/0",
        ),
        (
            {"id": "r1", "then": {"assign": {"department": "GRN", "contractor": "x"}}},
            "/rules/0/then/assign",
        ),
        ({"id": "r1", "then": {"deadline": {"hours": 0}}}, "/rules/0/then/deadline/hours"),
        ({"id": "r1", "then": {"priority": "urgent"}}, "/rules/0/then/priority"),
    ],
)
def test_schema_errors_point_at_the_field(rule, field):
    found = problems({"10-x.yaml": rule_file(rule)})
    assert ("10-x.yaml", "r1" if rule["id"] == "r1" else "Bad_Id", field) in found


@pytest.mark.parametrize(
    ("when_or_then", "field", "message"),
    [
        (
            {"when": {"category": ["afval/bestaat-niet"]}},
            "/rules/0/when/category/0",
            "Unknown category",
        ),
        ({"when": {"category": ["nope/*"]}}, "/rules/0/when/category/0", "Unknown main category"),
        ({"when": {"area": {"ward": ["x"]}}}, "/rules/0/when/area/ward", "Unknown area type"),
        (
            {"when": {"not_area": {"district": ["atlantis"]}}},
            "/rules/0/when/not_area/district/0",
            "Unknown district",
        ),
        (
            {"when": {"any": [{"area": {"district": ["atlantis"]}}]}},
            "/rules/0/when/any/0/area/district/0",
            "Unknown district",
        ),
        ({"when": {"time": {"from": "08:00", "to": "08:00"}}}, "/rules/0/when/time/to", "empty"),
        (
            {"then": {"assign": {"department": "XYZ"}}},
            "/rules/0/then/assign/department",
            "Unknown department",
        ),
        (
            {"then": {"assign": {"contractor": "nobody"}}},
            "/rules/0/then/assign/contractor",
            "Unknown contractor",
        ),
        (
            {"then": {"assign": {"department": "GRN"}, "continue": True}},
            "/rules/0/then/assign",
            "continues cannot assign",
        ),
        ({"then": {"priority": "high"}}, "/rules/0/then/assign", "must assign"),
    ],
)
def test_reference_and_meaning_errors(when_or_then, field, message):
    rule = {"id": "r1", "then": OK_THEN, **when_or_then}
    errors = ruleset_validate({"10-x.yaml": rule_file(rule)}).errors
    assert [(e.file, e.rule, e.field) for e in errors] == [("10-x.yaml", "r1", field)]
    assert message in errors[0].message


def test_duplicate_ids_across_files():
    errors = ruleset_validate(
        {
            "10-a.yaml": rule_file({"id": "same", "then": OK_THEN}),
            "20-b.yaml": rule_file({"id": "same", "then": OK_THEN}),
        }
    ).errors
    assert [(e.file, e.rule, e.field) for e in errors] == [("20-b.yaml", "same", "/rules/0/id")]
    assert "10-a.yaml" in errors[0].message


def test_files_that_are_not_yaml_or_not_a_rule_file():
    found = problems(
        {
            "10-a.yaml": "version: 1\nrules: [\n",
            "../evil.yaml": rule_file({"id": "r", "then": OK_THEN}),
            "20-b.yaml": "version: 2\nrules: []\n",
        }
    )
    assert ("10-a.yaml", None, "") in found
    assert ("../evil.yaml", None, "") in found
    assert ("20-b.yaml", None, "/version") in found
    assert problems({}) == [("", None, "")]


def test_every_error_is_reported_at_once():
    files = {
        "10-a.yaml": rule_file(
            {
                "id": "a",
                "when": {"category": ["afval/nope"]},
                "then": {"assign": {"department": "X"}},
            },
            {"id": "b", "when": {"area": {"district": ["atlantis"]}}, "then": OK_THEN},
        ),
        "20-b.yaml": rule_file({"id": "a", "then": {"assign": {"contractor": "nobody"}}}),
    }
    assert sorted(problems(files)) == sorted(
        [
            ("10-a.yaml", "a", "/rules/0/when/category/0"),
            ("10-a.yaml", "a", "/rules/0/then/assign/department"),
            ("10-a.yaml", "b", "/rules/1/when/area/district/0"),
            ("20-b.yaml", "a", "/rules/0/id"),
            ("20-b.yaml", "a", "/rules/0/then/assign/contractor"),
        ]
    )


@pytest.mark.parametrize(
    ("earlier", "later", "shadowed"),
    [
        ({"category": ["afval/*"]}, {"category": ["afval/grofvuil"], "text": ["bank"]}, True),
        ({"category": ["afval/grofvuil"]}, {"category": ["afval/grofvuil"]}, True),
        ({}, {"category": ["afval/grofvuil"]}, True),
        ({"area": {"district": ["noord", "oost"]}}, {"area": {"district": ["noord"]}}, True),
        ({"source": ["app", "web"]}, {"source": ["app"], "priority": ["high"]}, True),
        ({"category": ["afval/grofvuil"]}, {"category": ["afval/*"]}, False),
        (
            {"category": ["afval/grofvuil"], "text": ["bank"]},
            {"category": ["afval/grofvuil"]},
            False,
        ),
        ({"area": {"district": ["noord"]}}, {"area": {"district": ["noord", "oost"]}}, False),
    ],
)
def test_a_rule_an_earlier_rule_always_beats_is_a_warning(earlier, later, shadowed):
    result = ruleset_validate(
        {
            "10-a.yaml": rule_file({"id": "first", "when": earlier, "then": OK_THEN}),
            "20-b.yaml": rule_file({"id": "second", "when": later, "then": OK_THEN}),
        }
    )
    assert result.ok
    expected = [("20-b.yaml", "second", "/rules/0/when")] if shadowed else []
    assert [(w.file, w.rule, w.field) for w in result.warnings] == expected


def test_an_earlier_rule_that_continues_shadows_nothing():
    result = ruleset_validate(
        {
            "10-a.yaml": rule_file(
                {"id": "first", "then": {"priority": "high", "continue": True}},
                {"id": "second", "when": {"category": [TREE]}, "then": OK_THEN},
            )
        }
    )
    assert result.ok and result.warnings == []


def test_a_schema_error_in_one_rule_does_not_hide_the_others_problems():
    files = {
        "10-a.yaml": rule_file(
            {"id": "a", "when": {"time": {"from": "25:00", "to": "07:00"}}, "then": OK_THEN},
            {"id": "b", "when": {"area": {"district": ["atlantis"]}}, "then": OK_THEN},
        ),
        "20-b.yaml": rule_file({"id": "b", "then": OK_THEN}),
    }
    assert problems(files) == [
        ("10-a.yaml", "a", "/rules/0/when/time/from"),
        ("10-a.yaml", "b", "/rules/1/when/area/district/0"),
        ("20-b.yaml", "b", "/rules/0/id"),
    ]
