"""Contractor organisations' tokens and assignments, and driving the outbox by hand.

The firms themselves (link_firm, api_firm, other_firm) are fixtures of tests/conftest.py:
the contractor and staff API tests under tests/frontend_api/ use them too."""

import re

from django.core import mail
from rest_framework.test import APIClient

from backend.accounts.services import contractor_token_create
from backend.contractors.links import assignment_link_send
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


def sent_link_token(assignment: Assignment) -> str:
    """Mail the assignment's one-time link, as the task does: the token in the mailed link."""
    link = assignment_link_send(assignment_id=assignment.id)
    assert link is not None
    message = mail.outbox[-1]
    match = re.search(r"/contractor/link/([A-Za-z0-9_-]+)/", str(message.body))
    assert match, message.body
    return match.group(1)
