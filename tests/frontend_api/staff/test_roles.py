"""Every staff endpoint x every role. The endpoints are found by walking the URL resolver, so
one added later without an entry in POLICY fails here until someone decides who may use it."""

import uuid
from collections.abc import Iterator

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.test import APIClient

from backend.accounts.models import User
from backend.accounts.services import api_token_create, user_create
from backend.organisations.models import Contractor
from backend.taxonomy.models import Department
from tests.reports.factories import make_report

pytestmark = pytest.mark.django_db
PREFIX = "api/v1/staff/"

# Who may use each endpoint:
#   reader  every staff role reads; all but read-only change (department staff: their
#           department's reports only)
#   member  every staff role, every method (their own saved queues)
#   wide    dispatchers and administrators; read-only reads; not department staff
#   staff   dispatchers and administrators
#   admin   administrators; (admin_post: GET for staff, POST for administrators)
POLICY = {
    "staff-reports": "reader",
    "staff-reports-map": "reader",
    "staff-reports-bulk": "reader",
    "staff-reports-export": "reader",
    "staff-stats": "reader",
    "staff-queues": "member",
    "staff-queue": "member",
    "staff-report": "reader",
    "staff-report-transition": "reader",
    "staff-report-assign": "reader",
    "staff-report-notes": "reader",
    "staff-report-events": "reader",
    "staff-report-assignments": "reader",
    "staff-report-duplicates": "reader",
    "staff-assignment-withdraw": "wide",
    "staff-webhook-deliveries": "wide",
    "staff-webhook-redeliver": "wide",
    "staff-report-merge": "wide",
    "staff-classifier-versions": "staff",
    "staff-classifier-activate": "admin",
    "staff-classifier-live-accuracy": "staff",
    "staff-routing-ruleset": "admin_post",
    "staff-routing-explain": "staff",
    "staff-routing-preview": "staff",
}
ROLES = ["anonymous", "contractor", "read_only", "department", "dispatcher", "admin"]
SAFE = {"get", "head", "options"}


def _walk(patterns, prefix: str = "") -> Iterator[tuple[str, URLPattern]]:
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, route)
        else:
            yield route, pattern


def staff_endpoints() -> list[tuple[str, URLPattern]]:
    return [
        (route, p) for route, p in _walk(get_resolver().url_patterns) if route.startswith(PREFIX)
    ]


def _path(route: str) -> str:
    for converter, value in (("<uuid:", str(uuid.uuid4())), ("<int:", "999999")):
        while converter in route:
            start = route.index(converter)
            route = route[:start] + value + route[route.index(">", start) + 1 :]
    assert "<" not in route, route
    return "/" + route


def _allowed(policy: str, role: str, method: str) -> bool:
    safe = method in SAFE
    if role in ("anonymous", "contractor"):
        return False
    if policy == "member":
        return True
    if policy == "reader":
        return safe or role != "read_only"
    if policy == "wide":
        return role in ("dispatcher", "admin") or (role == "read_only" and safe)
    if policy == "staff":
        return role in ("dispatcher", "admin")
    if policy == "admin":
        return role == "admin"
    assert policy == "admin_post"
    return role == "admin" or (role == "dispatcher" and safe)


def _client(role: str) -> APIClient:
    client = APIClient()
    if role == "anonymous":
        return client
    kwargs = {}
    if role == "contractor":
        kwargs["contractor"] = Contractor.objects.create(code="c1", name="C1")
        user = User.objects.create(username="contractor", role=role, **kwargs)
    else:
        if role == "department":
            kwargs["department"] = Department.objects.get(code="OVL")
        user = user_create(username=role, role=role, **kwargs)
    _, key = api_token_create(user=user, name="t")
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_every_staff_endpoint_has_a_policy():
    names = {p.name for _, p in staff_endpoints()}
    assert len(names) >= 20, "the walk found too few endpoints to mean anything"
    assert names == set(POLICY), "new or removed staff endpoints: say who may use them"


@pytest.mark.parametrize("role", ROLES)
def test_every_endpoint_for_every_role(role):
    client = _client(role)
    checked = 0
    for route, pattern in staff_endpoints():
        view = pattern.callback.view_class  # type: ignore[attr-defined]
        for method in ("get", "post", "patch", "put", "delete"):
            if not hasattr(view, method):
                continue
            response = getattr(client, method)(_path(route), {}, format="json")
            allowed = _allowed(POLICY[pattern.name], role, method)
            expected_refusal = 401 if role == "anonymous" else 403
            if allowed:
                assert response.status_code not in (401, 403), (role, method, route)
            else:
                assert response.status_code == expected_refusal, (
                    role,
                    method,
                    route,
                    response.status_code,
                )
            checked += 1
    assert checked >= 25


@pytest.mark.parametrize(
    ("role", "may_see_contact", "sees"),
    [
        ("dispatcher", False, True),
        ("admin", False, True),
        ("read_only", False, False),
        ("read_only", True, True),
        ("department", False, False),
        ("department", True, True),
    ],
)
def test_contact_details_only_with_the_permission(role, may_see_contact, sees):
    kwargs = {"may_see_contact": may_see_contact}
    if role == "department":
        kwargs["department"] = Department.objects.get(code="ASC")
    user = user_create(username=f"{role}-{may_see_contact}", role=role, **kwargs)
    _, key = api_token_create(user=user, name="t")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    report = make_report(email="bewoner@example.nl", phone="0612345678", allow_contact=True)
    detail = client.get(f"/api/v1/staff/reports/{report.id}/").json()
    assert (detail["reporter"]["email"] == "bewoner@example.nl") is sees
    assert (detail["reporter"]["phone"] == "0612345678") is sees
    if not sees:
        assert detail["reporter"]["email"] is None and detail["reporter"]["phone"] is None
    for path in ("/api/v1/staff/reports/", f"/api/v1/staff/reports/{report.id}/events/"):
        body = client.get(path).content.decode()
        assert report.short_id in body or "seq" in body  # it answered with the report
        assert "bewoner@example.nl" not in body and "0612345678" not in body
    export = b"".join(client.get("/api/v1/staff/reports/export.csv").streaming_content)
    assert (b"bewoner@example.nl" in export) is sees
