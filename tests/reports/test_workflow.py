import pytest

from backend.reports.workflow import (
    RESOLUTION_TEXT,
    STATUS_TEXT,
    TRANSITIONS,
    Actor,
    Resolution,
    Status,
    allowed_targets,
    is_allowed,
    status_text,
)


def test_every_status_has_resident_text_in_dutch_and_english():
    for status in Status:
        assert STATUS_TEXT[status]["nl"] and STATUS_TEXT[status]["en"], status
        assert STATUS_TEXT[status]["nl"] != STATUS_TEXT[status]["en"]
    for resolution in Resolution:
        assert RESOLUTION_TEXT[resolution]["nl"] and RESOLUTION_TEXT[resolution]["en"]


def test_the_table_only_names_known_statuses_and_every_status_is_reachable():
    reachable = {Status.RECEIVED}
    for source, targets in TRANSITIONS.items():
        assert source in Status.values
        for target, actors in targets.items():
            assert target in Status.values and target != source
            assert actors, f"{source}->{target} allows nobody"
            reachable.add(target)
    assert reachable == set(Status)


def test_closed_text_says_how_it_ended():
    assert status_text("closed", "nl", "not_found").endswith(RESOLUTION_TEXT["not_found"]["nl"])
    assert "fixed" in status_text("closed", "en", "fixed")


@pytest.mark.parametrize(
    ("current", "target", "actor", "allowed"),
    [
        ("received", "assigned", Actor.STAFF, True),
        ("received", "completed_by_contractor", Actor.STAFF, False),
        ("in_progress", "completed_by_contractor", Actor.CONTRACTOR, True),
        ("received", "closed", Actor.CONTRACTOR, False),
        ("closed", "reopen_requested", Actor.RESIDENT, True),
        ("closed", "reopen_requested", Actor.STAFF, False),
        ("closed", "in_progress", Actor.STAFF, False),
        ("cancelled", "reopened", Actor.STAFF, True),
        ("info_requested", "assigned", Actor.RESIDENT, True),
    ],
)
def test_who_may_move_where(current, target, actor, allowed):
    assert is_allowed(current, target, actor) is allowed
    assert (target in allowed_targets(current, actor)) is allowed
