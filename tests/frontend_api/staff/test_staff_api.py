import pytest
from rest_framework.test import APIClient

from backend.accounts.models import ApiToken, User
from backend.accounts.services import api_token_create, api_token_revoke, user_create
from backend.reports.models import Report
from tests.conftest import NOORD
from tests.reports.factories import make_report

pytestmark = pytest.mark.django_db
BASE = "/api/v1/staff/reports/"


def _client_for(role: str, username: str) -> tuple[APIClient, ApiToken]:
    user = user_create(username=username, role=role)
    token, key = api_token_create(user=user, name="t")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client, token


def test_tokens_are_stored_hashed_and_shown_once(dispatcher):
    token, key = api_token_create(user=dispatcher, name="console")
    token.refresh_from_db()
    assert key not in (token.key_hash, token.prefix + token.key_hash)
    assert len(token.key_hash) == 64 and token.prefix == key[:8]
    assert len(key) >= 32


@pytest.mark.parametrize(
    ("how", "expected"),
    [
        ("none", 401),
        ("garbage", 401),
        ("revoked", 401),
        ("contractor", 403),
        ("inactive", 401),
        ("dispatcher", 200),
        ("admin", 200),
    ],
)
def test_staff_api_authentication_and_roles(how, expected):
    client = APIClient()
    if how == "garbage":
        client.credentials(HTTP_AUTHORIZATION="Token nope")
    elif how == "revoked":
        client, token = _client_for(User.Role.DISPATCHER, "r")
        api_token_revoke(token=token)
    elif how == "inactive":
        client, token = _client_for(User.Role.DISPATCHER, "i")
        User.objects.filter(pk=token.user_id).update(is_active=False)
    elif how != "none":
        client, _ = _client_for(how, how)
    response = client.get(BASE)
    assert response.status_code == expected
    if expected >= 400:
        assert response.json()["error"]["message"]


def test_list_filters_paginates_and_counts(staff_client):
    for _ in range(3):
        make_report()
    make_report(category="wegen-verkeer-straatmeubilair/straatverlichting")
    make_report(category=None)

    body = staff_client.get(BASE, {"page_size": 2}).json()
    assert body["count"] == 5 and len(body["results"]) == 2 and body["next"]
    second = staff_client.get(body["next"]).json()
    third = staff_client.get(second["next"]).json()
    assert len(third["results"]) == 1 and third["next"] is None
    seen = [r["id"] for page in (body, second, third) for r in page["results"]]
    assert len(set(seen)) == 5
    assert staff_client.get(BASE, {"category": "afval/container-is-vol"}).json()["count"] == 3
    assert staff_client.get(BASE, {"category": "afval"}).json()["count"] == 3
    assert staff_client.get(BASE, {"department": "OVL"}).json()["count"] == 1
    assert staff_client.get(BASE, {"needs_triage": "true"}).json()["count"] == 1
    assert staff_client.get(BASE, {"status": "received,assigned"}).json()["count"] == 5
    bad = staff_client.get(BASE, {"status": "lost"})
    assert bad.status_code == 400 and "status" in bad.json()["error"]["fields"]


def test_detail_shows_the_assignee_and_the_contact_details(staff_client):
    report = make_report(email="bewoner@example.nl", allow_contact=True)
    body = staff_client.get(f"{BASE}{report.id}/").json()
    assert body["assignee"] == {
        "code": "ASC",
        "name_nl": "Afval en Stadsreiniging",
        "name_en": "Waste collection and street cleaning",
    }
    assert body["reporter"] == {"email": "bewoner@example.nl", "phone": "", "allow_contact": True}
    assert "district:centrum" in body["areas"]
    assert "assigned" in body["allowed_transitions"]
    assert staff_client.get(f"{BASE}00000000-0000-0000-0000-000000000000/").status_code == 404


def test_patch_changes_category_priority_and_location(staff_client):
    report = make_report()
    response = staff_client.patch(
        f"{BASE}{report.id}/",
        {
            "category": "openbaar-groen-en-water/omgevallen-boom",
            "priority": "high",
            "lat": NOORD[0],
            "lon": NOORD[1],
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["category"]["slug"] == "openbaar-groen-en-water/omgevallen-boom"
    assert body["priority"] == "high" and body["assignee"]["code"] == "GRN"
    assert "district:noord" in body["areas"]
    bad = staff_client.patch(f"{BASE}{report.id}/", {"category": "nope/nope"}, format="json")
    assert bad.status_code == 400 and "category" in bad.json()["error"]["fields"]
    empty = staff_client.patch(f"{BASE}{report.id}/", {}, format="json")
    assert empty.status_code == 400


def test_transition_and_its_conflict(staff_client):
    report = make_report()
    ok = staff_client.post(f"{BASE}{report.id}/transition/", {"to": "in_progress"}, format="json")
    assert ok.status_code == 200 and ok.json()["status"] == "in_progress"
    conflict = staff_client.post(
        f"{BASE}{report.id}/transition/", {"to": "reopened"}, format="json"
    )
    assert conflict.status_code == 409
    error = conflict.json()["error"]
    assert error["current"] == "in_progress"
    assert set(error["allowed"]) == {
        "scheduled",
        "info_requested",
        "completed_by_contractor",
        "closed",
        "cancelled",
    }
    missing = staff_client.post(f"{BASE}{report.id}/transition/", {"to": "closed"}, format="json")
    assert missing.status_code == 400 and "resolution" in missing.json()["error"]["fields"]
    unknown = staff_client.post(f"{BASE}{report.id}/transition/", {"to": "gone"}, format="json")
    assert unknown.status_code == 400 and "to" in unknown.json()["error"]["fields"]


def test_assign_notes_and_events(staff_client, dispatcher):
    report = make_report()
    assigned = staff_client.post(f"{BASE}{report.id}/assign/", {"department": "WEG"}, format="json")
    assert assigned.status_code == 200
    assert assigned.json()["assignee"]["code"] == "WEG" and assigned.json()["status"] == "assigned"
    unknown = staff_client.post(f"{BASE}{report.id}/assign/", {"department": "XYZ"}, format="json")
    assert unknown.status_code == 400 and "department" in unknown.json()["error"]["fields"]

    note = staff_client.post(
        f"{BASE}{report.id}/notes/", {"text": "Gebeld met aannemer"}, format="json"
    )
    assert note.status_code == 201 and note.json()["author"] == "dispatcher"
    assert [n["text"] for n in staff_client.get(f"{BASE}{report.id}/notes/").json()] == [
        "Gebeld met aannemer"
    ]

    events = staff_client.get(f"{BASE}{report.id}/events/").json()
    assert [(e["seq"], e["type"]) for e in events] == [
        (1, "created"),
        (2, "assigned"),
        (3, "assigned"),
        (4, "status_changed"),
        (5, "note_added"),
    ]
    assert (
        events[2]["actor"] == "dispatcher" and events[2]["internal_payload"]["department"] == "WEG"
    )
    assert events[0]["actor_kind"] == "resident" and events[0]["actor"] is None


def test_closed_reports_cannot_be_assigned(staff_client):
    report = make_report()
    staff_client.post(
        f"{BASE}{report.id}/transition/", {"to": "closed", "resolution": "fixed"}, format="json"
    )
    response = staff_client.post(f"{BASE}{report.id}/assign/", {"department": "WEG"}, format="json")
    assert response.status_code == 409
    assert Report.objects.get(pk=report.id).department.code == "ASC"


def test_assign_to_a_contractor_keeps_the_department_and_names_both_in_the_event(staff_client):
    from backend.organisations.models import Contractor
    from backend.reports.models import ReportEvent

    Contractor.objects.create(code="linde-groen", name="Linde Groen BV")
    report = make_report()
    department = report.department.code if report.department else None
    response = staff_client.post(
        f"{BASE}{report.id}/assign/", {"contractor": "linde-groen"}, format="json"
    )
    assert response.status_code == 200
    body = response.json()
    assert body["contractor"] == {"code": "linde-groen", "name": "Linde Groen BV"}
    assert (body["assignee"] or {}).get("code") == department
    event = ReportEvent.objects.filter(report_id=report.id, type="assigned").latest("seq")
    assert event.internal_payload["contractor"] == "linde-groen"
    assert event.internal_payload["reason"] == "manual"

    back = staff_client.post(f"{BASE}{report.id}/assign/", {"department": "WEG"}, format="json")
    assert back.json()["contractor"] is None and back.json()["assignee"]["code"] == "WEG"
    latest = ReportEvent.objects.filter(report_id=report.id, type="assigned").latest("seq")
    assert latest.internal_payload["from_contractor"] == "linde-groen"

    unknown = staff_client.post(f"{BASE}{report.id}/assign/", {"contractor": "nope"}, format="json")
    assert unknown.status_code == 400 and "contractor" in unknown.json()["error"]["fields"]
    empty = staff_client.post(f"{BASE}{report.id}/assign/", {}, format="json")
    assert empty.status_code == 400 and "department" in empty.json()["error"]["fields"]
