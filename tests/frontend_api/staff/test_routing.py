"""The staff routing API: the active set, upload, explain, preview."""

from datetime import timedelta

import pytest

from backend.reports.actors import ActorRef
from backend.reports.models import Report, ReportEvent
from backend.reports.services import report_assign
from backend.routing.models import RuleSet
from backend.routing.services import ruleset_load
from backend.taxonomy.models import Department
from tests.conftest import DAM, NOORD
from tests.reports.factories import make_report
from tests.routing.conftest import rule_file

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_ruleset_cache")]

BASE = "/api/v1/staff/routing/"
TREE = "openbaar-groen-en-water/omgevallen-boom"
TREES_NOORD = {
    "id": "trees-noord",
    "when": {"category": [TREE], "area": {"district": ["noord"]}},
    "then": {"assign": {"contractor": "linde-groen"}},
}


def test_reading_the_active_set(staff_client, contractors):
    empty = staff_client.get(f"{BASE}ruleset/")
    assert empty.status_code == 200 and empty.json() == {"active": None, "versions": []}
    files = {"10-trees.yaml": rule_file(TREES_NOORD)}
    ruleset_load(files=files)
    body = staff_client.get(f"{BASE}ruleset/").json()
    assert body["active"]["version"] == 1 and body["active"]["files"] == files
    assert body["active"]["rule_count"] == 1 and body["active"]["loaded_by"] is None
    assert [v["version"] for v in body["versions"]] == [1]


def test_uploading_needs_an_administrator(staff_client, public_client, contractors):
    files = {"files": {"10-trees.yaml": rule_file(TREES_NOORD)}}
    assert staff_client.post(f"{BASE}ruleset/", files, format="json").status_code == 403
    assert public_client.post(f"{BASE}ruleset/", files, format="json").status_code == 401
    assert public_client.get(f"{BASE}ruleset/").status_code == 401
    assert not RuleSet.objects.exists()


def test_uploading_a_valid_set_activates_a_new_version(admin_client, contractors):
    files = {"10-trees.yaml": rule_file(TREES_NOORD)}
    created = admin_client.post(f"{BASE}ruleset/", {"files": files}, format="json")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["created"] and body["version"] == 1 and body["is_active"]
    assert body["loaded_by"] == "routing-admin"
    again = admin_client.post(f"{BASE}ruleset/", {"files": files}, format="json")
    assert again.status_code == 200 and again.json()["created"] is False
    assert make_report(category=TREE, at=NOORD).contractor.code == "linde-groen"


def test_uploading_an_invalid_set_gives_every_error_and_keeps_the_old_one(
    admin_client, contractors
):
    ruleset_load(files={"10-trees.yaml": rule_file(TREES_NOORD)})
    bad = {
        "10-trees.yaml": rule_file(
            {**TREES_NOORD, "then": {"assign": {"contractor": "nobody"}}},
            {"id": "x", "when": {"area": {"district": ["atlantis"]}}, "then": {"priority": "high"}},
        ),
        "20-more.yaml": "version: 1\nrules: [",
    }
    response = admin_client.post(f"{BASE}ruleset/", {"files": bad}, format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid_ruleset"
    assert {(e["file"], e["rule"], e["field"]) for e in error["errors"]} == {
        ("10-trees.yaml", "trees-noord", "/rules/0/then/assign/contractor"),
        ("10-trees.yaml", "x", "/rules/1/when/area/district/0"),
        ("10-trees.yaml", "x", "/rules/1/then/assign"),
        ("20-more.yaml", None, ""),
    }
    assert "files.10-trees.yaml/rules/0/then/assign/contractor" in error["fields"]
    assert list(RuleSet.objects.values_list("version", "is_active")) == [(1, True)]
    assert make_report(category=TREE, at=NOORD).contractor.code == "linde-groen"


@pytest.mark.parametrize("body", [{}, {"files": {}}, {"files": "x"}, {"files": {"a.yaml": 3}}])
def test_uploading_garbage_is_a_400(admin_client, body):
    response = admin_client.post(f"{BASE}ruleset/", body, format="json")
    assert response.status_code == 400 and "files" in str(response.json()["error"]["fields"])


def test_explain_a_hypothetical_report(staff_client, shipped_rules):
    response = staff_client.post(
        f"{BASE}explain/",
        {
            "lat": DAM[0],
            "lon": DAM[1],
            "category": TREE,
            "text": "boom omgevallen",
            "at": "2026-03-11T23:30:00+01:00",
        },
        format="json",
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert "district:centrum" in body["areas"]
    decision = body["decision"]
    assert decision["assign"] == {"department": "GRN", "contractor": "linde-groen"}
    assert decision["rule"] == "fallen-trees-at-night" and decision["reason"] == "rule"
    assert decision["ruleset_version"] == shipped_rules.version and decision["priority"] == "high"
    assert [(r["rule"], r["outcome"], r["condition"]) for r in body["rules"]] == [
        ("danger-words-high-priority", "failed", "text"),
        ("phone-reports-of-spills", "failed", "category"),
        ("fallen-trees-noord", "failed", "area"),
        ("fallen-trees-at-night", "matched", None),
    ]


def test_explain_refuses_bad_input(staff_client):
    unknown = staff_client.post(
        f"{BASE}explain/", {"lat": 52.37, "lon": 4.89, "category": "nope/nope"}, format="json"
    )
    assert unknown.status_code == 400 and "category" in unknown.json()["error"]["fields"]
    missing = staff_client.post(f"{BASE}explain/", {"lat": 52.37}, format="json")
    assert missing.status_code == 400 and "lon" in missing.json()["error"]["fields"]


def test_preview_counts_changes_without_touching_reports(staff_client, contractors):
    in_noord = [make_report(category=TREE, at=NOORD) for _ in range(3)]
    in_centrum = make_report(category=TREE, at=DAM)
    by_hand = make_report(category=TREE, at=NOORD)
    report_assign(
        report_id=by_hand.id,
        actor=ActorRef.staff(None),
        department=Department.objects.get(code="WTR"),
    )
    old = make_report(category=TREE, at=NOORD)
    Report.objects.filter(pk=old.pk).update(created_at=old.created_at - timedelta(days=30))
    events_before = ReportEvent.objects.count()

    response = staff_client.post(
        f"{BASE}preview/", {"files": {"10-trees.yaml": rule_file(TREES_NOORD)}}, format="json"
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["reports"], body["changed"], body["unchanged"], body["assigned_by_hand"]) == (
        5,
        3,
        1,
        1,
    )
    (change,) = body["changes"]
    assert change["from"] == {"department": "GRN", "contractor": None}
    assert change["to"] == {"department": "GRN", "contractor": "linde-groen"}
    assert change["count"] == 3 and change["rules"] == ["trees-noord"]
    assert {e["id"] for e in change["examples"]} == {str(r.id) for r in in_noord}
    assert str(in_centrum.id) not in str(body)

    wide = staff_client.post(
        f"{BASE}preview/",
        {"files": {"10-trees.yaml": rule_file(TREES_NOORD)}, "days": 60},
        format="json",
    ).json()
    assert wide["reports"] == 6 and wide["changed"] == 4
    # Nothing was changed, nothing was activated.
    assert ReportEvent.objects.count() == events_before
    assert not Report.objects.filter(contractor__isnull=False).exists()
    assert not RuleSet.objects.exists()


def test_preview_refuses_an_invalid_set_and_too_many_days(staff_client):
    bad = staff_client.post(
        f"{BASE}preview/",
        {"files": {"a.yaml": rule_file({"id": "a", "then": {"assign": {"department": "X"}}})}},
        format="json",
    )
    assert bad.status_code == 400 and bad.json()["error"]["errors"][0]["rule"] == "a"
    far = staff_client.post(
        f"{BASE}preview/",
        {"files": {"a.yaml": rule_file(TREES_NOORD)}, "days": 365},
        format="json",
    )
    assert far.status_code == 400 and "days" in far.json()["error"]["fields"]


def test_a_superuser_counts_as_an_administrator(staff_client, contractors):
    """`createsuperuser` makes a user with the default role (dispatcher); whoever may do
    everything in the Django admin may also change the rule set (issue #14, finding 16)."""
    from rest_framework.test import APIClient

    from backend.accounts.models import User
    from backend.accounts.services import api_token_create

    superuser = User.objects.create_superuser("root", "root@example.nl", "a-long-password-1")
    assert superuser.role == User.Role.DISPATCHER
    _, key = api_token_create(user=superuser, name="test")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    files = {"files": {"10-trees.yaml": rule_file(TREES_NOORD)}}
    assert staff_client.post(f"{BASE}ruleset/", files, format="json").status_code == 403
    assert client.post(f"{BASE}ruleset/", files, format="json").status_code == 201
    # A superuser outside the municipality's staff roles is not let in by the flag alone.
    User.objects.filter(pk=superuser.pk).update(role=User.Role.CONTRACTOR)
    assert client.post(f"{BASE}ruleset/", files, format="json").status_code == 403
    User.objects.filter(pk=superuser.pk).update(role=User.Role.DISPATCHER, is_superuser=False)
    assert client.post(f"{BASE}ruleset/", files, format="json").status_code == 403
