"""GET /api/v1/staff/reports/{id}/duplicates/: the same category, within 50 m, made in the
last 30 days, open, never the report itself, nearest first; for municipal staff only."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from backend.accounts.services import contractor_token_create
from backend.reports.actors import ActorRef
from backend.reports.models import Report
from backend.reports.services import report_transition
from tests.conftest import DAM
from tests.reports.factories import make_report

pytestmark = pytest.mark.django_db
BASE = "/api/v1/staff/reports/"
METRE = 0.000009  # of latitude


def _north(metres: float) -> tuple[float, float]:
    return (DAM[0] + metres * METRE, DAM[1])


def _url(report: Report) -> str:
    return f"{BASE}{report.id}/duplicates/"


def test_nearest_first_and_only_what_may_be_the_same_problem(staff_client, dispatcher):
    subject = make_report()
    at_30 = make_report(at=_north(30))
    at_10 = make_report(at=_north(10))
    make_report(at=_north(70))  # too far
    make_report(at=_north(5), category="afval/grofvuil")  # another category
    closed = make_report(at=_north(8))
    report_transition(
        report_id=closed.id, actor=ActorRef.staff(dispatcher), to="closed", resolution="fixed"
    )
    old = make_report(at=_north(3))
    Report.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=31))

    response = staff_client.get(_url(subject))
    assert response.status_code == 200, response.content
    results = response.json()["results"]
    assert [r["id"] for r in results] == [str(at_10.id), str(at_30.id)]
    assert results[0]["distance_m"] == pytest.approx(10, abs=0.5)
    assert results[1]["distance_m"] == pytest.approx(30, abs=0.5)
    # each a report as the list shows it, with its short id
    assert results[0]["short_id"] == at_10.short_id and "reporter" not in results[0]


def test_a_report_without_category_or_neighbours_has_none(staff_client):
    lonely = make_report(at=_north(400))
    assert staff_client.get(_url(lonely)).json() == {"results": []}
    uncategorised = make_report()
    make_report(at=_north(5))
    assert len(staff_client.get(_url(uncategorised)).json()["results"]) == 1
    # without a category (a report not yet triaged) nothing is "the same category"
    Report.objects.filter(pk=uncategorised.pk).update(category=None)
    assert staff_client.get(_url(uncategorised)).json() == {"results": []}


def test_unknown_report_and_who_may_ask(staff_client, link_firm):
    missing = staff_client.get(f"{BASE}00000000-0000-0000-0000-000000000000/duplicates/")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    report = make_report()
    assert APIClient().get(_url(report)).status_code == 401
    _, key = contractor_token_create(contractor=link_firm, name="t")
    contractor = APIClient()
    contractor.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert contractor.get(_url(report)).status_code == 403
