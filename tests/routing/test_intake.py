"""Routing at intake and re-routing on staff corrections, through the real services."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib.gis.geos import Point
from django.utils import timezone

from backend.organisations.models import Contractor
from backend.reports.actors import ActorRef
from backend.reports.models import ReportEvent
from backend.reports.services import report_assign, report_update
from backend.routing.services import ruleset_load
from backend.taxonomy.models import Department
from backend.taxonomy.selectors import category_by_path
from tests.conftest import DAM, NOORD
from tests.reports.factories import make_report
from tests.routing.conftest import rule_file

pytestmark = pytest.mark.django_db

TREE = "openbaar-groen-en-water/omgevallen-boom"
ASSIGNED_KEYS = {
    "department",
    "contractor",
    "from",
    "from_contractor",
    "reason",
    "rule",
    "ruleset_version",
}


def _events(report, kind):
    return list(
        ReportEvent.objects.filter(report=report, type=kind)
        .order_by("seq")
        .values_list("internal_payload", flat=True)
    )


def _types(report):
    return list(
        ReportEvent.objects.filter(report=report).order_by("seq").values_list("type", flat=True)
    )


@pytest.fixture
def rules(contractors):
    return ruleset_load(
        files={
            "10-urgent.yaml": rule_file(
                {
                    "id": "danger",
                    "when": {"text": ["gevaar"]},
                    "then": {"priority": "high", "deadline": {"hours": 3}, "continue": True},
                }
            ),
            "20-trees.yaml": rule_file(
                {
                    "id": "trees-noord",
                    "when": {"category": [TREE], "area": {"district": ["noord"]}},
                    "then": {"assign": {"contractor": "linde-groen"}},
                },
                {
                    "id": "waste-noord",
                    "when": {"category": ["afval/*"], "area": {"district": ["noord"]}},
                    "then": {"assign": {"department": "HHD"}},
                },
            ),
        }
    ).ruleset


def test_a_rule_assigns_a_contractor_and_the_department_stays_responsible(rules):
    report = make_report(category=TREE, text="boom ligt op straat", at=NOORD)
    report.refresh_from_db()
    assert report.contractor.code == "linde-groen" and report.department.code == "GRN"
    assert not report.needs_triage and report.priority == "normal"
    assert _types(report) == ["created", "routed", "assigned"]
    (routed,) = _events(report, "routed")
    assert routed["rule"] == "trees-noord" and routed["ruleset_version"] == rules.version
    assert routed["matched"] == [
        {"rule": "trees-noord", "conditions": {"category": TREE, "area": "district:noord"}}
    ]
    (assigned,) = _events(report, "assigned")
    assert assigned == {
        "department": "GRN",
        "contractor": "linde-groen",
        "from": None,
        "from_contractor": None,
        "reason": "rule",
        "rule": "trees-noord",
        "ruleset_version": rules.version,
    }


def test_a_continue_rule_sets_priority_and_deadline_over_the_category_sla(rules):
    report = make_report(category="afval/grofvuil", text="Gevaarlijk grofvuil", at=NOORD)
    report.refresh_from_db()
    assert report.department.code == "HHD" and report.contractor is None
    assert report.priority == "high"
    assert report.deadline == report.created_at + timedelta(hours=3)
    assert [m["rule"] for m in _events(report, "routed")[0]["matched"]] == ["danger", "waste-noord"]


def test_with_rules_active_the_fallbacks_still_decide_and_are_recorded(rules):
    report = make_report(category="afval/grofvuil", at=DAM)
    assert report.department.code == "ASC" and not report.needs_triage
    assert _events(report, "assigned")[0]["reason"] == "category_default"
    assert _events(report, "routed")[0]["rule"] is None
    triage = make_report(category=None, at=DAM)
    assert triage.department.code == "KCC" and triage.needs_triage
    payload = _events(triage, "assigned")[0]
    assert set(payload) == ASSIGNED_KEYS and payload["reason"] == "triage"


def test_without_an_active_set_the_category_default_decides_without_a_routed_event():
    report = make_report(category=TREE, at=NOORD)
    assert report.department.code == "GRN" and report.contractor is None
    assert _types(report) == ["created", "assigned"]
    payload = _events(report, "assigned")[0]
    assert set(payload) == ASSIGNED_KEYS
    assert (payload["reason"], payload["rule"], payload["ruleset_version"]) == (
        "category_default",
        None,
        None,
    )


def test_a_time_rule_uses_the_moment_of_intake(contractors, monkeypatch):
    ruleset_load(
        files={
            "a.yaml": rule_file(
                {
                    "id": "night",
                    "when": {"time": {"from": "22:00", "to": "06:00"}},
                    "then": {"assign": {"department": "HHD"}},
                }
            )
        }
    )
    night = datetime(2026, 3, 29, 1, 30, tzinfo=ZoneInfo("Europe/Amsterdam"))
    monkeypatch.setattr(timezone, "now", lambda: night)
    assert make_report().department.code == "HHD"
    monkeypatch.setattr(timezone, "now", lambda: night + timedelta(hours=6))
    assert make_report().department.code == "ASC"


def test_a_category_change_routes_again(rules):
    report = make_report(category="afval/grofvuil", at=NOORD)
    assert report.department.code == "HHD"
    report_update(report_id=report.id, actor=ActorRef.staff(None), category=category_by_path(TREE))
    report.refresh_from_db()
    assert report.contractor.code == "linde-groen" and report.department.code == "GRN"
    assert _types(report)[-3:] == ["category_changed", "routed", "assigned"]
    assert _events(report, "assigned")[-1] == {
        "department": "GRN",
        "contractor": "linde-groen",
        "from": "HHD",
        "from_contractor": None,
        "reason": "rule",
        "rule": "trees-noord",
        "ruleset_version": rules.version,
    }


def test_a_location_change_routes_again_and_a_department_rule_drops_the_contractor(rules):
    report = make_report(category=TREE, at=NOORD)
    assert report.contractor is not None
    report_update(
        report_id=report.id,
        actor=ActorRef.staff(None),
        location=Point(DAM[1], DAM[0], srid=4326),
    )
    report.refresh_from_db()
    assert report.contractor is None and report.department.code == "GRN"
    payload = _events(report, "assigned")[-1]
    assert (payload["from_contractor"], payload["contractor"], payload["reason"]) == (
        "linde-groen",
        None,
        "category_default",
    )
    assert _types(report)[-3:] == ["location_changed", "routed", "assigned"]


def test_routing_again_to_the_same_assignee_writes_no_assigned_event(rules):
    report = make_report(category="afval/grofvuil", at=NOORD)
    report_update(
        report_id=report.id,
        actor=ActorRef.staff(None),
        category=category_by_path("afval/zwerfafval"),
    )
    assert _types(report)[-2:] == ["category_changed", "routed"]


def test_a_hand_made_assignment_is_never_routed_again(rules):
    report = make_report(category="afval/grofvuil", at=DAM)
    report_assign(
        report_id=report.id,
        actor=ActorRef.staff(None),
        department=Department.objects.get(code="WTR"),
    )
    report_update(report_id=report.id, actor=ActorRef.staff(None), category=category_by_path(TREE))
    report_update(
        report_id=report.id,
        actor=ActorRef.staff(None),
        location=Point(NOORD[1], NOORD[0], srid=4326),
    )
    report.refresh_from_db()
    assert report.department.code == "WTR" and report.contractor is None
    assert _types(report).count("routed") == 1  # at intake only
    assert [e["reason"] for e in _events(report, "assigned")] == ["category_default", "manual"]


def test_a_triaged_report_leaves_triage_when_staff_give_it_a_category(rules):
    report = make_report(category=None, at=NOORD)
    assert report.needs_triage
    report_update(report_id=report.id, actor=ActorRef.staff(None), category=category_by_path(TREE))
    report.refresh_from_db()
    assert not report.needs_triage and report.contractor.code == "linde-groen"
    assert "triage_changed" in _types(report)


def test_a_deactivated_contractor_is_not_assigned(rules):
    Contractor.objects.filter(code="linde-groen").update(is_active=False)
    report = make_report(category=TREE, at=NOORD)
    assert report.contractor is None and report.department.code == "GRN"
