"""The assignment lifecycle and what each step does to the report and its history."""

from datetime import timedelta

import pytest
from django.contrib.gis.geos import Point
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from backend.common.errors import ConflictError, DomainValidationError
from backend.contractors.models import Assignment, WebhookMessage
from backend.contractors.services import (
    assignment_accept,
    assignment_complete,
    assignment_progress,
    assignment_reject,
    assignment_withdraw,
)
from backend.contractors.subscriber import contractors_publish
from backend.reports.actors import ActorRef
from backend.reports.catalogue import Assigned
from backend.reports.change import report_change
from backend.reports.models import ReportEvent
from backend.reports.services import report_assign, report_transition, report_update
from backend.taxonomy.selectors import category_by_path, department_by_code
from tests.contractors.conftest import offered, publish_all, refreshed
from tests.reports.factories import make_report

pytestmark = pytest.mark.django_db
CONTRACTOR = ActorRef.contractor(None)


def _types(report, since_seq=0):
    return list(
        ReportEvent.objects.filter(report=report, seq__gt=since_seq)
        .order_by("seq")
        .values_list("type", "actor_kind", "is_public")
    )


def test_assigning_a_contractor_offers_an_assignment_once(link_firm, dispatcher):
    assignment = offered(link_firm, dispatcher)
    report = assignment.report
    assigned_event = ReportEvent.objects.get(
        report=report, type="assigned", internal_payload__reason="manual"
    )
    assert assignment.source_event_id == assigned_event.pk
    offer = ReportEvent.objects.get(report=report, type="assignment_offered")
    assert offer.is_public is False
    assert offer.internal_payload == {
        "assignment": str(assignment.id),
        "contractor": "boomzorg",
        "channel": "link",
        "reason": "manual",
    }
    # The outbox handing the same event over again changes nothing.
    contractors_publish([ReportEvent.objects.get(pk=assigned_event.pk)])
    assert Assignment.objects.filter(report=report).count() == 1
    assert ReportEvent.objects.filter(report=report, type="assignment_offered").count() == 1


def test_reassigning_withdraws_the_open_assignment_and_offers_anew(link_firm, api_firm, dispatcher):
    first = offered(link_firm, dispatcher)
    report_assign(report_id=first.report_id, actor=ActorRef.staff(dispatcher), contractor=api_firm)
    publish_all()
    first.refresh_from_db()
    assert first.state == "withdrawn" and first.withdraw_reason == "reassigned"
    second = Assignment.objects.get(report=first.report, state="offered")
    assert second.contractor == api_firm
    # The firm with a webhook hears of its offer; the link firm's withdrawal needs no webhook.
    assert list(WebhookMessage.objects.values_list("contractor__code", "type")) == [
        ("paveco", "assignment.offered")
    ]


def test_taking_the_contractor_away_withdraws(api_firm, dispatcher):
    assignment = offered(api_firm, dispatcher)
    report_assign(
        report_id=assignment.report_id,
        actor=ActorRef.staff(dispatcher),
        department=department_by_code("WEG"),
    )
    publish_all()
    assignment.refresh_from_db()
    assert assignment.state == "withdrawn" and assignment.withdraw_reason == "contractor_removed"
    assert set(WebhookMessage.objects.values_list("type", flat=True)) == {
        "assignment.offered",
        "assignment.withdrawn",
    }
    assert not Assignment.objects.filter(report=assignment.report, state="offered").exists()


def test_cancelling_the_report_withdraws_and_tells_the_contractor(api_firm, dispatcher):
    assignment = offered(api_firm, dispatcher)
    report_transition(
        report_id=assignment.report_id, actor=ActorRef.staff(dispatcher), to="cancelled"
    )
    publish_all()
    assignment.refresh_from_db()
    assert assignment.state == "withdrawn" and assignment.withdraw_reason == "report_cancelled"
    withdrawn = WebhookMessage.objects.get(type="assignment.withdrawn")
    assert withdrawn.payload["reason"] == "report_cancelled"


def test_category_and_location_changes_reach_the_contractor(api_firm, dispatcher):
    assignment = offered(api_firm, dispatcher)
    report_update(
        report_id=assignment.report_id,
        actor=ActorRef.staff(dispatcher),
        category=category_by_path("afval/grofvuil"),
        location=Point(4.8930, 52.3735, srid=4326),
    )
    publish_all()
    updates = WebhookMessage.objects.filter(type="assignment.updated")
    assert sorted(m.payload["changed"] for m in updates) == ["category", "location"]
    category = next(m for m in updates if m.payload["changed"] == "category")
    assert category.payload["to"] == "afval/grofvuil"
    assert category.payload["assignment"]["report"]["category"]["slug"] == "afval/grofvuil"


def test_events_of_reports_without_a_contractor_cost_two_queries_per_batch(db, dispatcher):
    reports = [make_report() for _ in range(5)]
    for report in reports:
        report_update(
            report_id=report.id,
            actor=ActorRef.staff(dispatcher),
            category=category_by_path("afval/grofvuil"),
        )
        report_transition(
            report_id=report.id,
            actor=ActorRef.staff(dispatcher),
            to="closed",
            resolution="fixed",
        )
    events = list(
        ReportEvent.objects.filter(report__in=reports).only("type", "public_payload", "report_id")
    )
    with CaptureQueriesContext(connection) as queries:
        contractors_publish(events)
    # One for the batch's internal payloads, one for open assignments (none), nothing per event.
    selects = [q["sql"] for q in queries if "SAVEPOINT" not in q["sql"]]
    assert len(selects) == 2, selects
    assert ReportEvent.objects.filter(report__in=reports, type="category_changed").count() == 5
    assert ReportEvent.objects.filter(report__in=reports, type="status_changed").count() >= 5


def test_accept_keeps_the_report_assigned(link_firm, dispatcher):
    assignment = offered(link_firm, dispatcher)
    seq = refreshed(assignment.report).last_event_seq
    assignment_accept(assignment_id=assignment.id, contractor=link_firm, actor=CONTRACTOR)
    assignment.refresh_from_db()
    assert assignment.state == "accepted" and assignment.accepted_at
    report = refreshed(assignment.report)
    assert report.status == "assigned"
    assert _types(report, seq) == [("assignment_accepted", "contractor", False)]
    with pytest.raises(ConflictError):
        assignment_accept(assignment_id=assignment.id, contractor=link_firm, actor=CONTRACTOR)


def test_reject_returns_the_report_to_triage(link_firm, dispatcher):
    assignment = offered(link_firm, dispatcher)
    with pytest.raises(DomainValidationError) as excinfo:
        assignment_reject(
            assignment_id=assignment.id, contractor=link_firm, actor=CONTRACTOR, reason="  "
        )
    assert "reason" in excinfo.value.errors
    seq = refreshed(assignment.report).last_event_seq
    assignment_reject(
        assignment_id=assignment.id,
        contractor=link_firm,
        actor=CONTRACTOR,
        reason="Geen hoogwerker beschikbaar",
    )
    assignment.refresh_from_db()
    assert assignment.state == "rejected"
    report = refreshed(assignment.report)
    assert report.contractor is None and report.needs_triage and report.status == "received"
    assert _types(report, seq) == [
        ("assignment_rejected", "contractor", False),
        ("assigned", "contractor", False),
        ("triage_changed", "system", False),
        ("status_changed", "system", True),
    ]
    rejected = ReportEvent.objects.get(report=report, type="assignment_rejected")
    assert rejected.internal_payload["reason"] == "Geen hoogwerker beschikbaar"
    lost = ReportEvent.objects.filter(report=report, type="assigned").latest("seq")
    assert lost.internal_payload["from_contractor"] == "boomzorg"
    assert lost.internal_payload["contractor"] is None
    publish_all()  # the subscriber sees the loss of the contractor: nothing left to withdraw
    assert list(Assignment.objects.filter(report=report).values_list("state", flat=True)) == [
        "rejected"
    ]
    with pytest.raises(ConflictError):
        assignment_accept(assignment_id=assignment.id, contractor=link_firm, actor=CONTRACTOR)


def test_progress_moves_the_report_and_a_date_schedules_it(link_firm, dispatcher):
    assignment = offered(link_firm, dispatcher)
    with pytest.raises(ConflictError):  # not accepted yet
        assignment_progress(
            assignment_id=assignment.id, contractor=link_firm, actor=CONTRACTOR, note="x"
        )
    assignment_accept(assignment_id=assignment.id, contractor=link_firm, actor=CONTRACTOR)
    assignment_progress(
        assignment_id=assignment.id, contractor=link_firm, actor=CONTRACTOR, note="Onderweg"
    )
    assert refreshed(assignment.report).status == "in_progress"
    when = timezone.now() + timedelta(days=2)
    assignment_progress(
        assignment_id=assignment.id,
        contractor=link_firm,
        actor=CONTRACTOR,
        note="Ingepland",
        scheduled_for=when,
    )
    assignment.refresh_from_db()
    assert assignment.state == "in_progress" and assignment.scheduled_for == when
    report = refreshed(assignment.report)
    assert report.status == "scheduled"
    statuses = list(
        ReportEvent.objects.filter(report=report, type="status_changed", actor_kind="contractor")
        .order_by("seq")
        .values_list("public_payload", flat=True)
    )
    assert statuses == [{"status": "in_progress"}, {"status": "scheduled"}]
    progress = ReportEvent.objects.filter(report=report, type="assignment_progress").latest("seq")
    assert progress.internal_payload["note"] == "Ingepland" and not progress.is_public


def test_completion_waits_for_a_dispatcher_without_auto_close(link_firm, dispatcher):
    assignment = offered(link_firm, dispatcher)
    assignment_accept(assignment_id=assignment.id, contractor=link_firm, actor=CONTRACTOR)
    assignment_complete(
        assignment_id=assignment.id,
        contractor=link_firm,
        actor=CONTRACTOR,
        note="Boom gesnoeid",
        resolution="fixed",
    )
    assignment.refresh_from_db()
    assert assignment.state == "completed" and assignment.completion_note == "Boom gesnoeid"
    report = refreshed(assignment.report)
    assert report.status == "completed_by_contractor" and report.resolution == ""
    assert report.contractor == link_firm  # who did the work stays on record
    report_transition(
        report_id=report.id, actor=ActorRef.staff(dispatcher), to="closed", resolution="fixed"
    )
    assert refreshed(report).status == "closed"
    for act in (assignment_accept,):
        with pytest.raises(ConflictError):
            act(assignment_id=assignment.id, contractor=link_firm, actor=CONTRACTOR)
    with pytest.raises(ConflictError):
        assignment_complete(assignment_id=assignment.id, contractor=link_firm, actor=CONTRACTOR)


def test_completion_closes_directly_with_auto_close(link_firm, dispatcher):
    link_firm.auto_close = True
    link_firm.save()
    assignment = offered(link_firm, dispatcher)
    assignment_accept(assignment_id=assignment.id, contractor=link_firm, actor=CONTRACTOR)
    assignment_complete(
        assignment_id=assignment.id,
        contractor=link_firm,
        actor=CONTRACTOR,
        resolution="not_found",
    )
    report = refreshed(assignment.report)
    assert report.status == "closed" and report.resolution == "not_found" and report.closed_at
    last = ReportEvent.objects.filter(report=report).latest("seq")
    assert last.is_public and last.actor_kind == "contractor"
    assert last.public_payload == {"status": "closed", "resolution": "not_found"}


def test_withdrawn_assignments_refuse_every_step(api_firm, dispatcher):
    assignment = offered(api_firm, dispatcher)
    assignment_withdraw(assignment_id=assignment.id, actor=ActorRef.staff(dispatcher))
    report = refreshed(assignment.report)
    assert report.contractor is None
    lost = ReportEvent.objects.filter(report=report, type="assigned").latest("seq")
    assert lost.internal_payload["reason"] == "withdrawn"
    with pytest.raises(ConflictError):
        assignment_withdraw(assignment_id=assignment.id, actor=ActorRef.staff(dispatcher))
    with pytest.raises(ConflictError):
        assignment_accept(assignment_id=assignment.id, contractor=api_firm, actor=CONTRACTOR)
    with pytest.raises(ConflictError):
        assignment_reject(
            assignment_id=assignment.id, contractor=api_firm, actor=CONTRACTOR, reason="x"
        )
    publish_all()
    assert WebhookMessage.objects.filter(type="assignment.withdrawn").count() == 1


def _route_by_rule(report_id, contractor):
    """What the routing engine does: set the contractor and write the `assigned` event."""
    with report_change(report_id=report_id, actor=ActorRef.system()) as change:
        change.record(
            Assigned(
                department=None,
                contractor=contractor.code,
                previous_department=None,
                previous_contractor=None,
                reason="rule",
            )
        )
        change.set(contractor=contractor)


def test_a_rule_assignment_offers_and_moves_a_received_report_to_assigned(link_firm):
    report = make_report(category=None, text="iets onduidelijks")
    assert report.status == "received"
    _route_by_rule(report.id, link_firm)
    publish_all()
    assignment = Assignment.objects.get(report=report)
    assert assignment.state == "offered"
    offer = ReportEvent.objects.get(report=report, type="assignment_offered")
    assert offer.internal_payload["reason"] == "rule"
    report = refreshed(report)
    assert report.status == "assigned"
    last = ReportEvent.objects.filter(report=report).latest("seq")
    assert (last.type, last.is_public, last.public_payload) == (
        "status_changed",
        True,
        {"status": "assigned"},
    )
    # The contractor can now take it all the way.
    assignment_accept(assignment_id=assignment.id, contractor=link_firm, actor=CONTRACTOR)
    assignment_complete(assignment_id=assignment.id, contractor=link_firm, actor=CONTRACTOR)
    assert refreshed(report).status == "completed_by_contractor"


def test_re_routing_to_the_same_contractor_keeps_the_assignment(link_firm):
    report = make_report()
    _route_by_rule(report.id, link_firm)
    publish_all()
    with report_change(report_id=report.id, actor=ActorRef.system()) as change:
        change.record(
            Assigned(
                department=None,
                contractor="boomzorg",
                previous_department=None,
                previous_contractor="boomzorg",
                reason="rule",
            )
        )
    publish_all()
    assert list(Assignment.objects.filter(report=report).values_list("state", flat=True)) == [
        "offered"
    ]


def test_staff_closing_the_report_withdraws_an_open_assignment(api_firm, dispatcher):
    assignment = offered(api_firm, dispatcher)
    report_transition(
        report_id=assignment.report_id,
        actor=ActorRef.staff(dispatcher),
        to="closed",
        resolution="duplicate",
    )
    publish_all()
    assignment.refresh_from_db()
    assert assignment.state == "withdrawn" and assignment.withdraw_reason == "report_closed"
    assert WebhookMessage.objects.get(type="assignment.withdrawn").payload["reason"] == (
        "report_closed"
    )


def test_an_auto_closing_completion_is_not_withdrawn_afterwards(api_firm, dispatcher):
    api_firm.auto_close = True
    api_firm.save()
    assignment = offered(api_firm, dispatcher)
    assignment_accept(assignment_id=assignment.id, contractor=api_firm, actor=CONTRACTOR)
    assignment_complete(assignment_id=assignment.id, contractor=api_firm, actor=CONTRACTOR)
    publish_all()
    assignment.refresh_from_db()
    assert assignment.state == "completed"
    assert not WebhookMessage.objects.filter(type="assignment.withdrawn").exists()
