"""POST /api/v1/staff/reports/bulk/: each report its own change and outcome."""

import uuid

import pytest
from rest_framework.test import APIClient

from backend.accounts.services import api_token_create, user_create
from backend.reports.models import Report, ReportEvent
from backend.taxonomy.models import Department
from tests.reports.factories import make_report

pytestmark = pytest.mark.django_db
URL = "/api/v1/staff/reports/bulk/"


def _events(report: Report) -> list[ReportEvent]:
    return list(ReportEvent.objects.filter(report=report).order_by("seq"))


def test_priority_for_each_id_one_event_per_report_with_the_actor(staff_client, dispatcher):
    reports = [make_report() for _ in range(3)]
    before = {r.pk: len(_events(r)) for r in reports}
    response = staff_client.post(
        URL, {"ids": [str(r.id) for r in reports], "action": "priority", "priority": "high"}
    )
    assert response.status_code == 200, response.content
    results = response.json()["results"]
    assert [r["id"] for r in results] == [str(r.id) for r in reports]
    assert all(r["ok"] for r in results)
    for report in reports:
        report.refresh_from_db()
        assert report.priority == "high"
        new = _events(report)[before[report.pk] :]
        assert [e.type for e in new] == ["priority_changed"]
        assert new[0].actor_id == dispatcher.pk


def test_an_illegal_transition_does_not_stop_the_others(staff_client):
    open_one = make_report()
    closed = make_report()
    Report.objects.filter(pk=closed.pk).update(status="closed", resolution="fixed")
    also_open = make_report()
    response = staff_client.post(
        URL,
        {
            "ids": [str(open_one.id), str(closed.id), str(also_open.id)],
            "action": "transition",
            "to": "in_progress",
        },
    )
    assert response.status_code == 200
    ok, refused, ok_too = response.json()["results"]
    assert ok["ok"] and ok_too["ok"]
    assert refused == {
        "id": str(closed.id),
        "ok": False,
        "error": "conflict",
        "message": refused["message"],
    }
    assert refused["message"]
    statuses = dict(Report.objects.values_list("id", "status"))
    assert statuses[open_one.id] == statuses[also_open.id] == "in_progress"
    assert statuses[closed.id] == "closed"


def test_an_invalid_change_for_one_report_names_the_field(staff_client):
    report = make_report()
    response = staff_client.post(
        URL, {"ids": [str(report.id)], "action": "transition", "to": "closed"}
    )
    (result,) = response.json()["results"]
    assert result["ok"] is False and result["error"] == "invalid"
    assert "resolution" in result["fields"]


def test_assign_and_category_re_routes(staff_client):
    a, b = make_report(), make_report()
    response = staff_client.post(
        URL, {"ids": [str(a.id), str(b.id)], "action": "assign", "department": "OVL"}
    )
    assert all(r["ok"] for r in response.json()["results"])
    assert set(
        Report.objects.filter(pk__in=[a.pk, b.pk]).values_list("department__code", flat=True)
    ) == {"OVL"}
    c = make_report()
    response = staff_client.post(
        URL,
        {
            "ids": [str(c.id)],
            "action": "category",
            "category": "wegen-verkeer-straatmeubilair/straatverlichting",
        },
    )
    assert response.json()["results"][0]["ok"]
    c.refresh_from_db()
    assert c.category.path == "wegen-verkeer-straatmeubilair/straatverlichting"
    assert c.department.code == "OVL"  # routed again with its new category


def test_by_filter(staff_client):
    lamps = [make_report(text="lantaarnpaal kapot") for _ in range(2)]
    other = make_report(text="container vol")
    response = staff_client.post(
        URL,
        {"filter": {"q": "lantaarnpaal"}, "action": "priority", "priority": "low"},
        format="json",
    )
    assert {r["id"] for r in response.json()["results"]} == {str(r.id) for r in lamps}
    other.refresh_from_db()
    assert other.priority == "normal"


def test_ids_one_may_not_see_answer_404_and_leak_nothing():
    ovl = Department.objects.get(code="OVL")
    user = user_create(username="ovl", role="department", department=ovl)
    _, key = api_token_create(user=user, name="t")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    mine = make_report(category="wegen-verkeer-straatmeubilair/straatverlichting")
    theirs = make_report()
    missing = uuid.uuid4()
    response = client.post(
        URL,
        {
            "ids": [str(mine.id), str(theirs.id), str(missing)],
            "action": "priority",
            "priority": "high",
        },
    )
    by_id = {r["id"]: r for r in response.json()["results"]}
    assert by_id[str(mine.id)]["ok"] is True
    assert by_id[str(theirs.id)] == by_id[str(theirs.id)] | {"ok": False, "error": "not_found"}
    assert by_id[str(missing)]["error"] == "not_found"
    # Not found the same way, word for word: nothing tells the two apart.
    assert by_id[str(theirs.id)]["message"] == by_id[str(missing)]["message"]
    theirs.refresh_from_db()
    assert theirs.priority == "normal"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (
            {
                "ids": [str(uuid.uuid4()) for _ in range(501)],
                "action": "priority",
                "priority": "high",
            },
            "ids",
        ),
        ({"ids": [], "action": "priority", "priority": "high"}, "ids"),
        ({"action": "priority", "priority": "high"}, "ids"),
        (
            {"ids": [str(uuid.uuid4())], "filter": {}, "action": "priority", "priority": "high"},
            "ids",
        ),
        ({"ids": ["not-a-uuid"], "action": "priority", "priority": "high"}, "ids.0"),
        ({"ids": [str(uuid.uuid4())], "action": "explode"}, "action"),
        ({"ids": [str(uuid.uuid4())], "action": "priority"}, "priority"),
        ({"ids": [str(uuid.uuid4())], "action": "transition"}, "to"),
        ({"ids": [str(uuid.uuid4())], "action": "assign"}, "department"),
        ({"ids": [str(uuid.uuid4())], "action": "assign", "department": "NOPE"}, "department"),
        ({"ids": [str(uuid.uuid4())], "action": "category", "category": "nope"}, "category"),
        ({"filter": {"status": "lost"}, "action": "priority", "priority": "high"}, "filter.status"),
        ({"filter": {"colour": "red"}, "action": "priority", "priority": "high"}, "filter.colour"),
    ],
)
def test_bad_requests_are_400_naming_the_field(staff_client, body, field):
    response = staff_client.post(URL, body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()["error"]["fields"], response.json()


def test_a_filter_matching_more_than_the_limit_is_a_400(staff_client, settings):
    settings.BULK_MAX_REPORTS = 2
    reports = [make_report() for _ in range(3)]
    response = staff_client.post(
        URL, {"filter": {}, "action": "priority", "priority": "high"}, format="json"
    )
    assert response.status_code == 400
    assert "filter" in response.json()["error"]["fields"]
    assert not Report.objects.filter(pk__in=[r.pk for r in reports], priority="high").exists()
