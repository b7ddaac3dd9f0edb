"""The contractor API: who may see and do what, and what a contractor never sees."""

import io
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from backend.accounts.models import ApiToken
from backend.accounts.services import api_token_create, api_token_revoke, contractor_token_create
from backend.contractors.models import Assignment
from backend.contractors.services import assignment_accept
from backend.reports.actors import ActorRef
from backend.reports.models import Attachment, Report
from backend.reports.selectors import report_area_labels
from backend.reports.services import attachment_process
from tests.conftest import NOORD
from tests.contractors.conftest import client_for, offered, refreshed
from tests.support import images

pytestmark = pytest.mark.django_db

RESIDENT_EMAIL = "bewoner@example.nl"
RESIDENT_PHONE = "612345678"


def _no_contact(response) -> None:
    body = response.content.decode()
    assert RESIDENT_EMAIL not in body and RESIDENT_PHONE not in body, body


def _photo(name="na.jpg", data=None):
    upload = io.BytesIO(data if data is not None else images.jpeg_bytes(800, 600, gps=(52.1, 4.1)))
    upload.name = name
    return upload


# (name, method, path suffix, body, state the assignment must be in, expected status for owner)
ENDPOINTS = [
    ("list", "get", "", None, "offered", 200),
    ("detail", "get", "{id}/", None, "offered", 200),
    ("accept", "post", "{id}/accept/", {}, "offered", 200),
    ("reject", "post", "{id}/reject/", {"reason": "Te druk"}, "offered", 200),
    ("progress", "post", "{id}/progress/", {"note": "Onderweg"}, "accepted", 200),
    (
        "complete",
        "post",
        "{id}/complete/",
        {"note": "Klaar", "resolution": "fixed"},
        "accepted",
        200,
    ),
]


def _client(principal, own_firm, other_firm, dispatcher) -> APIClient:
    client = APIClient()
    if principal == "own":
        return client_for(own_firm)
    if principal == "other":
        return client_for(other_firm)
    if principal == "staff":
        _, key = api_token_create(user=dispatcher, name="staff")
    elif principal == "revoked":
        token, key = contractor_token_create(contractor=own_firm, name="old")
        api_token_revoke(token=token)
    else:
        return client
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


@pytest.mark.parametrize("principal", ["own", "other", "staff", "none", "revoked"])
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=[e[0] for e in ENDPOINTS])
def test_authorisation_matrix(endpoint, principal, link_firm, other_firm, dispatcher):
    name, method, suffix, body, state, own_status = endpoint
    assignment = offered(link_firm, dispatcher)
    if state == "accepted":
        assignment_accept(
            assignment_id=assignment.id, contractor=link_firm, actor=ActorRef.contractor()
        )
    client = _client(principal, link_firm, other_firm, dispatcher)
    url = f"/api/v1/contractor/assignments/{suffix.format(id=assignment.id)}"
    response = getattr(client, method)(
        url, body, format="multipart" if name == "complete" else "json"
    )
    expected = {
        "own": own_status,
        # Another organisation's assignment does not exist for it; its own list is empty.
        "other": 200 if name == "list" else 404,
        "staff": 403,
        "none": 401,
        "revoked": 401,
    }[principal]
    assert response.status_code == expected, response.content
    _no_contact(response)
    if principal == "other" and name == "list":
        assert response.json()["results"] == []
    if principal == "own" and name == "list":
        assert [r["id"] for r in response.json()["results"]] == [str(assignment.id)]
    if principal != "own" and method == "post":
        assignment.refresh_from_db()
        assert assignment.state == state  # nothing happened


def test_an_inactive_organisation_is_locked_out(link_firm, dispatcher):
    client = client_for(link_firm)
    link_firm.is_active = False
    link_firm.save()
    assert client.get("/api/v1/contractor/assignments/").status_code == 403


def test_detail_shows_the_work_and_never_the_resident(link_firm, dispatcher):
    assignment = offered(link_firm, dispatcher)
    response = client_for(link_firm).get(f"/api/v1/contractor/assignments/{assignment.id}/")
    assert response.status_code == 200
    data = response.json()
    report = refreshed(assignment.report)
    assert data["state"] == "offered"
    assert data["report"]["text"] == report.text
    assert data["report"]["category"]["slug"] == "afval/container-is-vol"
    assert data["report"]["location"] == {"lat": report.location.y, "lon": report.location.x}
    assert data["report"]["deadline"]
    assert "reporter" not in data and "email" not in str(data) and "phone" not in str(data)
    _no_contact(response)


def test_work_taken_away_no_longer_shows_how_the_report_goes_on(link_firm, dispatcher):
    # Issue #14, finding 4: an organisation whose assignment was withdrawn kept reading the
    # report's live status.
    from backend.contractors.services import assignment_withdraw
    from backend.reports.services import report_transition

    assignment = offered(link_firm, dispatcher)
    client = client_for(link_firm)
    before = client.get(f"/api/v1/contractor/assignments/{assignment.id}/").json()
    assert before["report"]["status"] == "assigned" and before["report"]["priority"]
    assignment_withdraw(assignment_id=assignment.id, actor=ActorRef.staff(dispatcher))
    report_transition(
        report_id=assignment.report_id, actor=ActorRef.staff(dispatcher), to="in_progress"
    )
    detail = client.get(f"/api/v1/contractor/assignments/{assignment.id}/").json()
    listed = client.get("/api/v1/contractor/assignments/").json()["results"]
    for seen in (detail, *[a for a in listed if a["id"] == str(assignment.id)]):
        assert seen["state"] == "withdrawn"
        assert {k: seen["report"][k] for k in ("status", "priority", "deadline", "overdue")} == {
            "status": None,
            "priority": None,
            "deadline": None,
            "overdue": None,
        }
        # What the work was stays readable: the organisation's own record of it.
        assert seen["report"]["text"] == assignment.report.text
    assert len([a for a in listed if a["id"] == str(assignment.id)]) == 1


def test_unknown_assignment_is_404(link_firm):
    response = client_for(link_firm).get(f"/api/v1/contractor/assignments/{uuid.uuid4()}/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_steps_on_finished_or_withdrawn_assignments_are_409(link_firm, dispatcher):
    client = client_for(link_firm)
    withdrawn = offered(link_firm, dispatcher)
    staff = APIClient()
    _, key = api_token_create(user=dispatcher, name="s")
    staff.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response = staff.post(f"/api/v1/staff/assignments/{withdrawn.id}/withdraw/")
    assert response.status_code == 200 and response.json()["state"] == "withdrawn"
    for suffix, body in [
        ("accept/", {}),
        ("reject/", {"reason": "x"}),
        ("progress/", {"note": "x"}),
        ("complete/", {"note": "x"}),
    ]:
        response = client.post(f"/api/v1/contractor/assignments/{withdrawn.id}/{suffix}", body)
        assert response.status_code == 409, (suffix, response.content)
        assert response.json()["error"]["current"] == "withdrawn"
    # Withdrawing twice is a conflict too.
    assert staff.post(f"/api/v1/staff/assignments/{withdrawn.id}/withdraw/").status_code == 409


def test_bad_input_names_the_field(link_firm, dispatcher):
    client = client_for(link_firm)
    assignment = offered(link_firm, dispatcher)
    url = f"/api/v1/contractor/assignments/{assignment.id}"
    response = client.post(f"{url}/reject/", {}, format="json")
    assert response.status_code == 400 and "reason" in response.json()["error"]["fields"]
    client.post(f"{url}/accept/")
    response = client.post(f"{url}/progress/", {"note": "x", "scheduled_for": "morgen"})
    assert response.status_code == 400 and "scheduled_for" in response.json()["error"]["fields"]
    response = client.post(f"{url}/complete/", {"resolution": "magic"})
    assert response.status_code == 400 and "resolution" in response.json()["error"]["fields"]
    # Not a photo: refused as a whole, nothing stored, the assignment still open.
    response = client.post(
        f"{url}/complete/",
        {"note": "x", "photos": [_photo(), _photo("fake.jpg", b"this is not an image")]},
        format="multipart",
    )
    assert response.status_code == 400
    assert "photos.1" in response.json()["error"]["fields"]
    assert not Attachment.objects.filter(kind="contractor").exists()
    assignment.refresh_from_db()
    assert assignment.state == "accepted"


def test_complete_with_photos_stores_after_photos_through_the_pipeline(link_firm, dispatcher):
    client = client_for(link_firm)
    assignment = offered(link_firm, dispatcher)
    url = f"/api/v1/contractor/assignments/{assignment.id}"
    assert client.post(f"{url}/accept/").status_code == 200
    response = client.post(
        f"{url}/complete/",
        {"note": "Container geleegd", "resolution": "fixed", "photos": [_photo(), _photo()]},
        format="multipart",
    )
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "completed"
    assert response.json()["after_photos_processing"] == 2
    after = list(Attachment.objects.filter(report=assignment.report, kind="contractor"))
    assert len(after) == 2 and all(a.state == "pending" for a in after)
    for attachment in after:
        assert attachment_process(attachment_id=attachment.id).state == "ready"
    data = client.get(f"{url}/").json()
    assert len(data["after_photos"]) == 2 and data["photos"] == []
    assert refreshed(assignment.report).status == "completed_by_contractor"
    too_many = client.post(f"{url}/complete/", {"photos": [_photo() for _ in range(6)]})
    assert too_many.status_code == 400


def test_list_filters_and_cursor_pagination(link_firm, dispatcher):
    client = client_for(link_firm)
    centre = [offered(link_firm, dispatcher) for _ in range(3)]
    north = offered(link_firm, dispatcher, at=NOORD)
    assignment_accept(assignment_id=centre[0].id, contractor=link_firm, actor=ActorRef.contractor())
    Report.objects.filter(pk=centre[1].report_id).update(
        deadline=timezone.now() - timedelta(hours=1)
    )

    def ids(query: str) -> set[str]:
        response = client.get(f"/api/v1/contractor/assignments/?{query}")
        assert response.status_code == 200, response.content
        return {r["id"] for r in response.json()["results"]}

    assert ids("state=accepted") == {str(centre[0].id)}
    assert ids("state=offered,accepted") == {str(a.id) for a in [*centre, north]}
    assert ids("overdue=true") == {str(centre[1].id)}
    assert str(centre[1].id) not in ids("overdue=false")
    north_district = next(
        label for label in report_area_labels(north.report) if label.startswith("district:")
    )
    assert ids(f"area={north_district}") == {str(north.id)}
    assert ids(f"area={north_district.split(':')[1]}") == {str(north.id)}
    bad = client.get("/api/v1/contractor/assignments/?state=done")
    assert bad.status_code == 400 and "state" in bad.json()["error"]["fields"]

    seen: list[str] = []
    url = "/api/v1/contractor/assignments/?page_size=3"
    while url:
        page = client.get(url).json()
        seen += [r["id"] for r in page["results"]]
        url = page["next"]
    assert len(seen) == 4 and set(seen) == {str(a.id) for a in [*centre, north]}
    assert seen == [
        str(a.id) for a in Assignment.objects.order_by("-offered_at", "-id")
    ]  # newest first, nothing twice


def test_contractor_tokens_do_not_open_the_staff_api(link_firm):
    response = client_for(link_firm).get("/api/v1/staff/reports/")
    assert response.status_code == 403
    assert ApiToken.objects.get().user.contractor == link_firm
