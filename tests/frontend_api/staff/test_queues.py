"""/api/v1/staff/queues/: saved filters, validated as the list validates them, per user,
optionally shared with a department, with counts."""

import pytest
from rest_framework.test import APIClient

from backend.accounts.services import api_token_create, user_create
from backend.taxonomy.models import Department
from tests.reports.factories import make_report

pytestmark = pytest.mark.django_db
URL = "/api/v1/staff/queues/"


def _client(username: str, role: str = "dispatcher", department: str | None = None) -> APIClient:
    dept = Department.objects.get(code=department) if department else None
    user = user_create(username=username, role=role, department=dept)
    _, key = api_token_create(user=user, name="t")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_create_list_count_update_delete(staff_client):
    make_report(
        text="lantaarnpaal kapot", category="wegen-verkeer-straatmeubilair/straatverlichting"
    )
    make_report()
    created = staff_client.post(
        URL, {"name": "Verlichting", "filters": {"department": "OVL"}}, format="json"
    )
    assert created.status_code == 201, created.content
    queue = created.json()
    assert queue["count"] == 1 and queue["count_is_estimate"] is False and queue["mine"] is True
    listed = staff_client.get(URL).json()
    assert [q["name"] for q in listed] == ["Verlichting"] and listed[0]["count"] == 1

    changed = staff_client.patch(
        f"{URL}{queue['id']}/", {"filters": {"status": "received"}}, format="json"
    )
    assert changed.status_code == 200 and changed.json()["count"] == 2
    assert staff_client.delete(f"{URL}{queue['id']}/").status_code == 204
    assert staff_client.get(URL).json() == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "x", "filters": {"status": "lost"}}, "filters.status"),
        ({"name": "x", "filters": {"colour": "red"}}, "filters.colour"),
        ({"name": "x", "filters": {"cursor": "abc"}}, "filters.cursor"),
        ({"name": "x", "filters": {"bbox": "1,2,0,1"}}, "filters.bbox"),
        ({"name": "x", "shared_with": "NOPE"}, "shared_with"),
        ({"filters": {}}, "name"),
    ],
)
def test_a_bad_queue_is_a_400_naming_the_field(staff_client, body, field):
    response = staff_client.post(URL, body, format="json")
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"], response.json()


def test_a_name_twice_is_a_400(staff_client):
    assert staff_client.post(URL, {"name": "A"}, format="json").status_code == 201
    again = staff_client.post(URL, {"name": "A"}, format="json")
    assert again.status_code == 400 and "name" in again.json()["error"]["fields"]


def test_queues_are_per_user_and_shared_with_a_department():
    owner = _client("owner")
    other = _client("other")
    ovl_staff = _client("ovl", role="department", department="OVL")
    private = owner.post(URL, {"name": "Mine"}, format="json").json()
    shared = owner.post(URL, {"name": "Lamps", "shared_with": "OVL"}, format="json").json()
    assert other.get(URL).json() == []
    assert other.get(f"{URL}{private['id']}/").status_code == 404
    seen = ovl_staff.get(URL).json()
    assert [q["name"] for q in seen] == ["Lamps"] and seen[0]["mine"] is False
    # Shared to read; only its owner changes or deletes it.
    assert (
        ovl_staff.patch(f"{URL}{shared['id']}/", {"name": "Mine now"}, format="json").status_code
        == 404
    )
    assert ovl_staff.delete(f"{URL}{shared['id']}/").status_code == 404
    # Department staff share only with their own department.
    refused = ovl_staff.post(URL, {"name": "x", "shared_with": "ASC"}, format="json")
    assert refused.status_code == 400 and "shared_with" in refused.json()["error"]["fields"]


def test_a_department_queue_counts_only_what_its_viewer_may_see():
    owner = _client("owner")
    ovl_staff = _client("ovl", role="department", department="OVL")
    make_report(category="wegen-verkeer-straatmeubilair/straatverlichting")
    make_report()
    shared = owner.post(URL, {"name": "All", "shared_with": "OVL"}, format="json").json()
    assert shared["count"] == 2
    assert ovl_staff.get(f"{URL}{shared['id']}/").json()["count"] == 1
