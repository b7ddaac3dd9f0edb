from datetime import timedelta

import pytest
from django.contrib.gis.geos import Point
from django.db import IntegrityError, connection, transaction

from backend.common.errors import ConflictError, DomainValidationError
from backend.reports.actors import ActorRef
from backend.reports.models import OutboxEntry, Report, ReportEvent
from backend.reports.selectors import report_by_tracking_token
from backend.reports.services import (
    report_assign,
    report_note_add,
    report_transition,
    report_update,
)
from backend.reports.tracking import tracking_token_for
from backend.taxonomy.models import Department
from backend.taxonomy.selectors import category_by_path
from tests.conftest import HAARLEM, NOORD
from tests.reports.factories import make_report

pytestmark = pytest.mark.django_db


def _types(report):
    return list(
        ReportEvent.objects.filter(report=report).order_by("seq").values_list("type", flat=True)
    )


def test_create_assigns_the_category_department_with_its_deadline_and_starts_history():
    report = make_report()
    report.refresh_from_db()
    assert report.status == "received"
    assert report.department.code == "ASC"
    assert not report.needs_triage
    # container-is-vol: 2 working days.
    assert timedelta(days=2) <= report.deadline - report.created_at <= timedelta(days=5)
    events = list(ReportEvent.objects.filter(report=report).order_by("seq"))
    assert [(e.seq, e.type, e.is_public) for e in events] == [
        (1, "created", True),
        (2, "assigned", False),
    ]
    assert report.last_event_seq == 2
    assert OutboxEntry.objects.filter(event__report=report).count() == 2
    assert {a.code for a in report.areas.all()} >= {"0363", "centrum"}


def test_without_category_the_report_waits_in_the_triage_queue():
    report = make_report(category=None)
    assert report.needs_triage
    assert report.department.code == "KCC"
    assert report.deadline is None


def test_tracking_token_is_derived_not_stored_and_finds_the_report():
    report = make_report()
    token = tracking_token_for(report.id)
    assert len(token) >= 22  # >= 128 bits in base64url
    assert token not in report.tracking_token_hash and str(report.id) not in token
    assert report_by_tracking_token(token) == report
    assert report_by_tracking_token(token[:-1] + ("A" if token[-1] != "A" else "B")) is None


def test_a_point_outside_the_service_area_is_refused_and_nothing_is_stored():
    with pytest.raises(DomainValidationError) as caught:
        make_report(at=HAARLEM)
    assert set(caught.value.errors) == {"lat", "lon"}
    assert Report.objects.count() == 0 and ReportEvent.objects.count() == 0


def test_transition_appends_a_public_event_with_increasing_seq():
    report = make_report()
    staff = ActorRef.staff(None)
    report_transition(report_id=report.id, actor=staff, to="in_progress")
    report_transition(
        report_id=report.id,
        actor=staff,
        to="closed",
        resolution="fixed",
        public_text="De container is geleegd.",
    )
    report.refresh_from_db()
    assert report.status == "closed" and report.resolution == "fixed" and report.closed_at
    last = ReportEvent.objects.filter(report=report).order_by("-seq").first()
    assert last.seq == 4 and last.is_public
    assert last.public_payload == {
        "status": "closed",
        "resolution": "fixed",
        "text": "De container is geleegd.",
    }
    assert last.internal_payload == {"from": "in_progress"}


def test_illegal_transition_is_a_conflict_listing_the_allowed_targets():
    report = make_report()
    with pytest.raises(ConflictError) as caught:
        report_transition(report_id=report.id, actor=ActorRef.staff(None), to="reopen_requested")
    assert "assigned" in caught.value.details["allowed"]
    assert "reopen_requested" not in caught.value.details["allowed"]
    assert _types(report) == ["created", "assigned"]


@pytest.mark.parametrize(
    ("to", "resolution", "public_text", "field"),
    [
        ("closed", "", "", "resolution"),
        ("in_progress", "fixed", "", "resolution"),
        ("info_requested", "", "  ", "public_text"),
    ],
)
def test_transition_input_rules(to, resolution, public_text, field):
    report = make_report()
    with pytest.raises(DomainValidationError) as caught:
        report_transition(
            report_id=report.id,
            actor=ActorRef.staff(None),
            to=to,
            resolution=resolution,
            public_text=public_text,
        )
    assert field in caught.value.errors


def test_manual_assignment_moves_to_assigned_and_survives_a_category_change():
    report = make_report()
    wtr = Department.objects.get(code="WTR")
    report_assign(report_id=report.id, actor=ActorRef.staff(None), department=wtr)
    report_update(
        report_id=report.id,
        actor=ActorRef.staff(None),
        category=category_by_path("openbaar-groen-en-water/boom"),
    )
    report.refresh_from_db()
    assert report.status == "assigned" and report.department == wtr and report.assigned_manually
    assert _types(report) == [
        "created",
        "assigned",
        "assigned",
        "status_changed",
        "category_changed",
    ]


def test_category_change_reassigns_when_nobody_assigned_by_hand():
    report = make_report()
    report_update(
        report_id=report.id,
        actor=ActorRef.staff(None),
        category=category_by_path("wegen-verkeer-straatmeubilair/verkeerslicht"),
    )
    report.refresh_from_db()
    assert report.department.code == "OVL"
    assert report.deadline == report.created_at + timedelta(hours=4)
    assert _types(report)[-2:] == ["category_changed", "assigned"]


def test_location_change_updates_areas_and_is_checked_against_the_service_area():
    report = make_report()
    report_update(
        report_id=report.id,
        actor=ActorRef.staff(None),
        location=Point(NOORD[1], NOORD[0], srid=4326),
    )
    report.refresh_from_db()
    assert "noord" in {a.code for a in report.areas.all()}
    assert report.location_source == "staff"
    with pytest.raises(DomainValidationError):
        report_update(
            report_id=report.id,
            actor=ActorRef.staff(None),
            location=Point(HAARLEM[1], HAARLEM[0], srid=4326),
        )


def test_note_is_internal():
    report = make_report()
    from backend.accounts.services import user_create

    author = user_create(username="d", role="dispatcher")
    report_note_add(report_id=report.id, author=author, text="Buurman belde ook")
    event = ReportEvent.objects.get(report=report, type="note_added")
    assert not event.is_public and event.actor == author and event.public_payload == {}


def test_history_is_append_only_in_the_database():
    report = make_report()
    event = ReportEvent.objects.filter(report=report).first()
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        ReportEvent.objects.filter(pk=event.pk).update(type="tampered")
    # Raw SQL: the ORM would stop earlier on its own PROTECT rules; the trigger is the last word.
    with (
        pytest.raises(IntegrityError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM reports_reportevent WHERE id = %s", [event.pk])
    assert ReportEvent.objects.get(pk=event.pk).type == "created"


def test_a_rolled_back_change_leaves_no_event_and_no_outbox_entry():
    report = make_report()
    events_before = ReportEvent.objects.count()
    outbox_before = OutboxEntry.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        report_transition(report_id=report.id, actor=ActorRef.staff(None), to="in_progress")
        raise RuntimeError("crash after the change")
    assert ReportEvent.objects.count() == events_before
    assert OutboxEntry.objects.count() == outbox_before
    report.refresh_from_db()
    assert report.status == "received" and report.last_event_seq == 2
