"""The SLA job: `deadline_warning` at 80 % of the time from creation to the deadline,
`overdue` past it, each once per report, through the unit of work, in batches."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from backend.reports.actors import ActorRef
from backend.reports.catalogue import DeadlineWarning, Overdue, event_of
from backend.reports.models import Report, ReportEvent, SlaStage
from backend.reports.services import SlaRun, report_transition, sla_events_record
from backend.reports.tasks import sla_events_record_task
from tests.reports.factories import make_report

pytestmark = pytest.mark.django_db
SECOND = timedelta(seconds=1)


def _made_at(monkeypatch, at: datetime, category: str) -> Report:
    with monkeypatch.context() as patch:
        patch.setattr(timezone, "now", lambda: at)
        return make_report(category=category)


def _sla_events(report: Report) -> list[tuple[str, dict]]:
    return [
        (e.type, e.internal_payload)
        for e in ReportEvent.objects.filter(
            report=report, type__in=["deadline_warning", "overdue"]
        ).order_by("seq")
    ]


def test_across_the_autumn_clock_change(monkeypatch):
    """Friday 23 October 2026 10:00 (summer time) plus 3 working days is Wednesday 28 October
    10:00 in winter time: 121 hours, not 120. 80 % of them is 96 h 48 min: Tuesday 09:48."""
    created = datetime(2026, 10, 23, 8, 0, tzinfo=UTC)  # 10:00 CEST
    report = _made_at(monkeypatch, created, "afval/grofvuil")
    assert report.deadline == datetime(2026, 10, 28, 9, 0, tzinfo=UTC)  # 10:00 CET
    warn_at = datetime(2026, 10, 27, 8, 48, tzinfo=UTC)

    assert sla_events_record(now=warn_at - SECOND).warned == 0
    run = sla_events_record(now=warn_at)
    assert (run.warned, run.overdue) == (1, 0)
    assert _sla_events(report) == [
        (
            "deadline_warning",
            {"deadline": "2026-10-28T09:00:00.000Z", "warn_at": "2026-10-27T08:48:00.000Z"},
        )
    ]
    # idempotent: later runs before the deadline write nothing new
    assert sla_events_record(now=warn_at + timedelta(hours=1)) == sla_events_record(
        now=report.deadline - SECOND
    )
    assert len(_sla_events(report)) == 1
    run = sla_events_record(now=report.deadline)
    assert (run.warned, run.overdue) == (0, 1)
    assert sla_events_record(now=report.deadline + timedelta(days=3)).overdue == 0
    types = [t for t, _ in _sla_events(report)]
    assert types == ["deadline_warning", "overdue"]
    stored = Report.objects.get(pk=report.pk)
    assert stored.sla_stage == SlaStage.OVERDUE
    # written through the unit of work: numbered after the intake's events, with the outbox
    events = list(ReportEvent.objects.filter(report=report).order_by("seq"))
    assert [e.seq for e in events] == list(range(1, stored.last_event_seq + 1))
    overdue = events[-1]
    assert overdue.actor_kind == "system" and not overdue.is_public
    assert overdue.public_payload == {} and hasattr(overdue, "outbox")
    assert event_of(overdue, Overdue).deadline == "2026-10-28T09:00:00.000Z"


def test_across_a_dutch_public_holiday(monkeypatch):
    """Monday 26 April 2027 10:00 plus 2 working days skips King's Day (Tuesday 27th):
    Thursday 29th 10:00, 72 hours. The warning comes at 57.6 hours (Wednesday 19:36), not at
    80 % of the 48 hours it would be without the holiday."""
    created = datetime(2027, 4, 26, 8, 0, tzinfo=UTC)  # 10:00 CEST
    report = _made_at(monkeypatch, created, "afval/container-is-vol")
    assert report.deadline == datetime(2027, 4, 29, 8, 0, tzinfo=UTC)
    without_holiday = created + timedelta(hours=48) * 0.8
    assert sla_events_record(now=without_holiday + timedelta(hours=2)).warned == 0
    warn_at = datetime(2027, 4, 28, 17, 36, tzinfo=UTC)
    assert sla_events_record(now=warn_at - SECOND).warned == 0
    assert sla_events_record(now=warn_at).warned == 1
    (event,) = ReportEvent.objects.filter(report=report, type="deadline_warning")
    assert event_of(event, DeadlineWarning).warn_at == "2027-04-28T17:36:00.000Z"


def test_a_holiday_and_the_spring_clock_change_together(monkeypatch):
    """Friday 26 March 2027 10:00 plus 3 working days skips the weekend of the clock change
    and Easter Monday (29 March): Thursday 1 April 10:00 summer time, 143 hours. The warning
    at 80 %: 114 h 24 min later, Wednesday 31 March 03:24 UTC."""
    report = _made_at(monkeypatch, datetime(2027, 3, 26, 9, 0, tzinfo=UTC), "afval/grofvuil")
    assert report.deadline == datetime(2027, 4, 1, 8, 0, tzinfo=UTC)
    warn_at = datetime(2027, 3, 31, 3, 24, tzinfo=UTC)
    assert sla_events_record(now=warn_at - SECOND) == run_of(0, 0)
    assert sla_events_record(now=warn_at) == run_of(1, 0)


def test_a_report_found_past_its_deadline_gets_overdue_only(monkeypatch):
    report = _made_at(monkeypatch, datetime(2027, 5, 3, 8, 0, tzinfo=UTC), "afval/grofvuil")
    run = sla_events_record(now=report.deadline + timedelta(days=1))
    assert (run.warned, run.overdue) == (0, 1)
    assert [t for t, _ in _sla_events(report)] == ["overdue"]
    assert sla_events_record(now=report.deadline + timedelta(days=2)) == run_of(0, 0)


def test_a_report_closed_before_is_skipped(monkeypatch, dispatcher):
    report = _made_at(monkeypatch, datetime(2027, 5, 3, 8, 0, tzinfo=UTC), "afval/grofvuil")
    report_transition(
        report_id=report.id, actor=ActorRef.staff(dispatcher), to="closed", resolution="fixed"
    )
    run = sla_events_record(now=report.deadline + timedelta(days=1))
    assert (run.warned, run.overdue) == (0, 0)
    assert _sla_events(report) == []


def test_a_report_without_a_deadline_is_never_due(monkeypatch):
    report = _made_at(monkeypatch, datetime(2027, 5, 3, 8, 0, tzinfo=UTC), None)
    assert report.deadline is None
    assert sla_events_record(now=datetime(2030, 1, 1, tzinfo=UTC)) == run_of(0, 0)


def run_of(warned: int, overdue: int) -> SlaRun:
    return SlaRun(warned=warned, overdue=overdue)


def test_each_run_takes_a_batch_earliest_deadline_first(monkeypatch):
    start = datetime(2027, 5, 3, 8, 0, tzinfo=UTC)
    reports = [
        _made_at(monkeypatch, start + timedelta(minutes=i), "afval/grofvuil") for i in range(3)
    ]
    later = reports[0].deadline + timedelta(days=1)
    assert sla_events_record(now=later, limit=2) == run_of(0, 2)
    assert [bool(_sla_events(r)) for r in reports] == [True, True, False]
    assert sla_events_record(now=later, limit=2) == run_of(0, 1)
    assert sla_events_record(now=later, limit=2) == run_of(0, 0)


def test_the_beat_job_is_scheduled_and_runs_the_service(monkeypatch, settings):
    entry = next(
        e
        for e in settings.CELERY_BEAT_SCHEDULE.values()
        if e["task"] == "backend.reports.tasks.sla_events_record_task"
    )
    assert entry["schedule"] > 0
    report = _made_at(monkeypatch, datetime(2020, 1, 6, 8, 0, tzinfo=UTC), "afval/grofvuil")
    settings.SLA_BATCH_SIZE = 10
    assert sla_events_record_task() == {"warned": 0, "overdue": 1}
    assert [t for t, _ in _sla_events(report)] == ["overdue"]
    assert sla_events_record_task() == {"warned": 0, "overdue": 0}
