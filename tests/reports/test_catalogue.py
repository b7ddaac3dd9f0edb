"""The event catalogue decides how every event type is stored; a stored event reads back."""

import dataclasses
import typing

import pytest

from backend.reports.catalogue import (
    CATALOGUE,
    Assigned,
    Created,
    StatusChanged,
    TriageChanged,
    event_of,
)
from backend.reports.models import ReportEvent
from backend.reports.services import report_assign, report_transition
from backend.taxonomy.selectors import department_by_code
from tests.reports.factories import make_report


def test_every_event_type_has_its_class():
    assert set(CATALOGUE) == set(ReportEvent.Type.values)
    assert all(cls.type == type_ for type_, cls in CATALOGUE.items())


def _sample(cls):
    """An instance with a value of the declared type in every field."""
    values = {}
    for field in dataclasses.fields(cls):
        declared = set(typing.get_args(field.type)) or {field.type}
        if bool in declared:
            values[field.name] = True
        elif int in declared or float in declared:
            values[field.name] = 7
        elif any(typing.get_origin(t) is list for t in declared):
            values[field.name] = ["x"]
        else:
            values[field.name] = f"{field.name}-value"
    return cls(**values)


@pytest.mark.parametrize("cls", list(CATALOGUE.values()), ids=list(CATALOGUE))
def test_payloads_read_back_as_the_same_event(cls):
    event = _sample(cls)
    assert not any(
        f.type is int and not isinstance(getattr(event, f.name), int)
        for f in dataclasses.fields(cls)
    )
    public, internal = event.payloads()
    assert cls.parse(public, internal) == event
    # Only a public event has anything for the resident.
    assert bool(public) == cls.public


def test_the_stored_keys_are_those_of_the_history_already_written():
    assert StatusChanged(status="closed", resolution="fixed", previous="assigned").payloads() == (
        {"status": "closed", "resolution": "fixed"},
        {"from": "assigned"},
    )
    assert StatusChanged(status="assigned", previous="received").payloads() == (
        {"status": "assigned"},
        {"from": "received"},
    )
    manual = Assigned(department="wegen", contractor=None, reason="manual")
    assert manual.payloads()[1] == {
        "department": "wegen",
        "contractor": None,
        "from": None,
        "from_contractor": None,
        "reason": "manual",
    }
    routed = Assigned(department="wegen", reason="fallback", by_rule=True)
    assert routed.payloads()[1]["rule"] is None and "ruleset_version" in routed.payloads()[1]
    assert TriageChanged(previous=False, new=True).payloads() == ({}, {"from": False, "to": True})
    created = Created(status="received", category=None, source="app", photos=0, areas=[])
    assert created.payloads()[0] == {"status": "received"}


@pytest.mark.django_db
def test_events_written_by_the_services_read_back_typed(dispatcher):
    from backend.reports.actors import ActorRef

    report = make_report()
    report_assign(
        report_id=report.id,
        actor=ActorRef.staff(dispatcher),
        department=department_by_code("WEG"),
    )
    report_transition(report_id=report.id, actor=ActorRef.staff(dispatcher), to="in_progress")
    records = list(ReportEvent.objects.filter(report=report).order_by("seq"))
    assert [r.type for r in records][-3:] == ["assigned", "status_changed", "status_changed"]
    assigned = event_of(records[-3], Assigned)
    assert (assigned.department, assigned.reason, assigned.by_rule) == ("WEG", "manual", False)
    moved = event_of(records[-1], StatusChanged)
    assert (moved.status, moved.previous) == ("in_progress", "assigned")
    with pytest.raises(TypeError):
        event_of(records[-1], Assigned)
