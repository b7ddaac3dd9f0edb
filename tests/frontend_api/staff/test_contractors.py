"""What dispatchers see and do of contractors' work."""

import uuid

import pytest

from backend.contractors.links import assignment_link_send
from backend.contractors.models import AssignmentLink
from tests.contractors.conftest import client_for, offered, publish_all, refreshed

pytestmark = pytest.mark.django_db


def test_report_assignments_and_withdrawal(staff_client, link_firm, dispatcher):
    assignment = offered(link_firm, dispatcher)
    assignment_link_send(assignment_id=assignment.id)
    url = f"/api/v1/staff/reports/{assignment.report_id}/assignments/"
    listed = staff_client.get(url)
    assert listed.status_code == 200
    assert [(a["id"], a["contractor"], a["state"]) for a in listed.json()] == [
        (str(assignment.id), "boomzorg", "offered")
    ]
    withdrawn = staff_client.post(f"/api/v1/staff/assignments/{assignment.id}/withdraw/")
    assert withdrawn.status_code == 200
    assert withdrawn.json()["withdraw_reason"] == "dispatcher"
    assert refreshed(assignment.report).contractor is None
    assert AssignmentLink.objects.get().revoked_at is not None
    publish_all()
    events = staff_client.get(f"/api/v1/staff/reports/{assignment.report_id}/events/").json()
    assert [e["type"] for e in events][-2:] == ["assignment_withdrawn", "assigned"]
    assert events[-1]["actor"] == "dispatcher"


def test_staff_endpoints_refuse_contractors_and_know_no_strangers(staff_client, link_firm):
    contractor = client_for(link_firm)
    assert contractor.post(f"/api/v1/staff/assignments/{uuid.uuid4()}/withdraw/").status_code == 403
    assert (
        staff_client.post(f"/api/v1/staff/assignments/{uuid.uuid4()}/withdraw/").status_code == 404
    )
    assert staff_client.get(f"/api/v1/staff/reports/{uuid.uuid4()}/assignments/").status_code == 404
    assert (
        staff_client.post(f"/api/v1/staff/webhook-deliveries/{uuid.uuid4()}/redeliver/").status_code
        == 404
    )
