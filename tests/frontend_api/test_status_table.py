"""The status table, a test per row: what each of our statuses is called in Open311 (plain and
mySociety's extended) and in Signalen, and what each Signalen state asks of our workflow."""

import pytest

from backend.reports.workflow import Resolution, Status
from frontend_api.common.status_table import (
    ROWS,
    SIGNALEN_DISPLAY,
    SIGNALEN_INBOUND,
    SIGNALEN_UNSUPPORTED,
    open311_extended_status,
    open311_status,
    signalen_state,
    statuses_for_open311,
    statuses_for_signalen,
)

# Written out by hand from the two vocabularies, not from the table.
EXPECTED = [
    (Status.RECEIVED, "", "open", "OPEN", "m"),
    (Status.ASSIGNED, "", "open", "INVESTIGATING", "i"),
    (Status.IN_PROGRESS, "", "open", "IN_PROGRESS", "b"),
    (Status.SCHEDULED, "", "open", "ACTION_SCHEDULED", "ingepland"),
    (Status.INFO_REQUESTED, "", "open", "INVESTIGATING", "reaction requested"),
    (Status.COMPLETED_BY_CONTRACTOR, "", "open", "IN_PROGRESS", "done external"),
    (Status.CLOSED, Resolution.FIXED, "closed", "FIXED", "o"),
    (Status.CLOSED, Resolution.DUPLICATE, "closed", "DUPLICATE", "o"),
    (Status.CLOSED, Resolution.NOT_FOUND, "closed", "CLOSED", "o"),
    (
        Status.CLOSED,
        Resolution.NOT_OUR_RESPONSIBILITY,
        "closed",
        "NOT_COUNCILS_RESPONSIBILITY",
        "o",
    ),
    (Status.CLOSED, Resolution.NO_ACTION, "closed", "NO_FURTHER_ACTION", "o"),
    (Status.CANCELLED, "", "closed", "CANCELLED", "a"),
    (Status.REOPEN_REQUESTED, "", "open", "INVESTIGATING", "reopen requested"),
    (Status.REOPENED, "", "open", "REOPEN", "reopened"),
]


@pytest.mark.parametrize(("status", "resolution", "plain", "extended", "state"), EXPECTED)
def test_outbound_row(status, resolution, plain, extended, state):
    assert open311_status(status) == plain
    assert open311_extended_status(status, resolution) == extended
    assert signalen_state(status, resolution) == state
    assert state in SIGNALEN_DISPLAY
    assert status in statuses_for_signalen([state])
    assert status in statuses_for_open311([plain])


def test_every_status_and_resolution_has_a_row():
    rows = {(row.status, row.resolution) for row in ROWS}
    assert rows == {(s, r) for s, r, *_ in EXPECTED}
    for status in Status:
        if status != Status.CLOSED:
            assert (status, "") in rows
    for resolution in Resolution:
        assert (Status.CLOSED, resolution) in rows


INBOUND = [
    ("m", Status.RECEIVED, ""),
    ("i", Status.ASSIGNED, ""),
    ("b", Status.IN_PROGRESS, ""),
    ("ingepland", Status.SCHEDULED, ""),
    ("reaction requested", Status.INFO_REQUESTED, ""),
    ("done external", Status.COMPLETED_BY_CONTRACTOR, ""),
    ("closure requested", Status.COMPLETED_BY_CONTRACTOR, ""),
    ("o", Status.CLOSED, Resolution.FIXED),
    ("a", Status.CANCELLED, ""),
    ("reopen requested", Status.REOPEN_REQUESTED, ""),
    ("reopened", Status.REOPENED, ""),
]


@pytest.mark.parametrize(("state", "status", "resolution"), INBOUND)
def test_inbound_row(state, status, resolution):
    assert SIGNALEN_INBOUND[state] == (status, resolution)
    assert state not in SIGNALEN_UNSUPPORTED


@pytest.mark.parametrize(
    "state", ["h", "s", "reaction received", "ready to send", "sent", "send failed"]
)
def test_states_without_a_place_in_our_workflow_are_refused(state):
    assert state in SIGNALEN_UNSUPPORTED
    assert state not in SIGNALEN_INBOUND
    assert state in SIGNALEN_DISPLAY


def test_every_signalen_state_is_either_mapped_or_refused():
    assert set(SIGNALEN_DISPLAY) == set(SIGNALEN_INBOUND) | SIGNALEN_UNSUPPORTED
