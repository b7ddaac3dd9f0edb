"""Contractor organisations, their tokens, and driving the outbox by hand."""

import pytest
from rest_framework.test import APIClient

from backend.accounts.services import contractor_token_create
from backend.contractors.models import Assignment
from backend.organisations.models import Contractor
from backend.reports.actors import ActorRef
from backend.reports.models import OutboxEntry, Report
from backend.reports.outbox import outbox_entries_publish
from backend.reports.services import report_assign
from tests.reports.factories import make_report


def publish_all() -> int:
    """Run every subscriber over every unpublished event, until the subscribers add no more
    (the contractors subscriber itself appends `assignment_offered` and the like)."""
    total = 0
    for _ in range(10):
        ids = list(
            OutboxEntry.objects.filter(published_at__isnull=True)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        if not ids:
            return total
        published = outbox_entries_publish(entry_ids=ids)
        assert published, OutboxEntry.objects.filter(pk__in=ids).values_list("last_error")
        total += published
    raise AssertionError("the outbox never ran dry")


@pytest.fixture
def link_firm(db) -> Contractor:
    """A small firm without a system of its own: it works through one-time links."""
    return Contractor.objects.create(code="boomzorg", name="Boomzorg BV", email="werk@boomzorg.nl")


@pytest.fixture
def api_firm(db) -> Contractor:
    return Contractor.objects.create(
        code="paveco",
        name="Paveco",
        email="ops@paveco.nl",
        webhook_url="http://127.0.0.1:9/hook",
        webhook_secret="paveco-secret",
    )


@pytest.fixture
def other_firm(db) -> Contractor:
    return Contractor.objects.create(code="ongedierte", name="Ongedierte BV")


def client_for(contractor: Contractor) -> APIClient:
    _, key = contractor_token_create(contractor=contractor, name="test")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def offered(contractor: Contractor, dispatcher, **report_kwargs) -> Assignment:
    """A report assigned to the contractor by a dispatcher, the outbox run: its assignment."""
    report = make_report(
        email="bewoner@example.nl", phone="+31612345678", allow_contact=True, **report_kwargs
    )
    report_assign(report_id=report.id, actor=ActorRef.staff(dispatcher), contractor=contractor)
    publish_all()
    return Assignment.objects.select_related("report", "contractor").get(
        report=report, state=Assignment.State.OFFERED
    )


def refreshed(report: Report) -> Report:
    return Report.objects.select_related("contractor").get(pk=report.pk)
