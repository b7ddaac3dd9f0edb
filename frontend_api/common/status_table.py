"""Our statuses in the words of the standards other apps speak: one table, both directions.

Each row is one of our statuses (and, for a closed report, how it ended) with what Open311
GeoReport v2 says (`open`/`closed`), what mySociety's extended Open311 statuses say, and which
Signalen state it is. Inbound, a Signalen state names the status a trade system asks for; the
states that have no counterpart in our workflow (on hold, split, the states of Signalen's own
outbound plumbing) are refused rather than guessed.
"""

from dataclasses import dataclass

from backend.reports.workflow import Resolution, Status


@dataclass(frozen=True)
class StatusRow:
    status: str
    # "" for any resolution (or none).
    resolution: str
    open311: str
    open311_extended: str
    signalen: str


ROWS: tuple[StatusRow, ...] = (
    StatusRow(Status.RECEIVED, "", "open", "OPEN", "m"),
    StatusRow(Status.ASSIGNED, "", "open", "INVESTIGATING", "i"),
    StatusRow(Status.IN_PROGRESS, "", "open", "IN_PROGRESS", "b"),
    StatusRow(Status.SCHEDULED, "", "open", "ACTION_SCHEDULED", "ingepland"),
    StatusRow(Status.INFO_REQUESTED, "", "open", "INVESTIGATING", "reaction requested"),
    StatusRow(Status.COMPLETED_BY_CONTRACTOR, "", "open", "IN_PROGRESS", "done external"),
    StatusRow(Status.CLOSED, Resolution.FIXED, "closed", "FIXED", "o"),
    StatusRow(Status.CLOSED, Resolution.DUPLICATE, "closed", "DUPLICATE", "o"),
    StatusRow(Status.CLOSED, Resolution.NOT_FOUND, "closed", "CLOSED", "o"),
    StatusRow(
        Status.CLOSED,
        Resolution.NOT_OUR_RESPONSIBILITY,
        "closed",
        "NOT_COUNCILS_RESPONSIBILITY",
        "o",
    ),
    StatusRow(Status.CLOSED, Resolution.NO_ACTION, "closed", "NO_FURTHER_ACTION", "o"),
    StatusRow(Status.CANCELLED, "", "closed", "CANCELLED", "a"),
    StatusRow(Status.REOPEN_REQUESTED, "", "open", "INVESTIGATING", "reopen requested"),
    StatusRow(Status.REOPENED, "", "open", "REOPEN", "reopened"),
)

# Signalen state -> (our status, the resolution a close records). Several states close in our
# workflow the same way; ours come back out as the first state of ROWS above.
SIGNALEN_INBOUND: dict[str, tuple[str, str]] = {
    "m": (Status.RECEIVED, ""),
    "i": (Status.ASSIGNED, ""),
    "b": (Status.IN_PROGRESS, ""),
    "ingepland": (Status.SCHEDULED, ""),
    "reaction requested": (Status.INFO_REQUESTED, ""),
    "done external": (Status.COMPLETED_BY_CONTRACTOR, ""),
    "closure requested": (Status.COMPLETED_BY_CONTRACTOR, ""),
    "o": (Status.CLOSED, Resolution.FIXED),
    "a": (Status.CANCELLED, ""),
    "reopen requested": (Status.REOPEN_REQUESTED, ""),
    "reopened": (Status.REOPENED, ""),
}

# Signalen's states that our workflow has no place for: refused with a 400 naming the state.
SIGNALEN_UNSUPPORTED = frozenset(
    {"h", "s", "reaction received", "ready to send", "sent", "send failed"}
)

# Signalen's display names (their Dutch ones), for `state_display`.
SIGNALEN_DISPLAY: dict[str, str] = {
    "m": "Gemeld",
    "i": "In afwachting van behandeling",
    "b": "In behandeling",
    "h": "On hold",
    "ingepland": "Ingepland",
    "o": "Afgehandeld",
    "a": "Geannuleerd",
    "s": "Gesplitst",
    "reopen requested": "Verzoek tot heropenen",
    "reopened": "Heropend",
    "reaction requested": "Reactie gevraagd",
    "reaction received": "Reactie ontvangen",
    "closure requested": "Verzoek tot afhandeling",
    "ready to send": "Te verzenden naar extern systeem",
    "sent": "Verzonden naar extern systeem",
    "send failed": "Verzending naar extern systeem mislukt",
    "done external": "Melding is afgehandeld in extern systeem",
}

# mySociety's extended statuses a client may send in a service request update, and what a
# resident's update asks of our workflow: reopening a closed report is the only status a
# resident may set; any other is taken as a comment.
OPEN311_EXTENDED = frozenset(
    {
        "OPEN",
        "CLOSED",
        "FIXED",
        "IN_PROGRESS",
        "PLANNED",
        "ACTION_SCHEDULED",
        "INVESTIGATING",
        "DUPLICATE",
        "NOT_COUNCILS_RESPONSIBILITY",
        "NO_FURTHER_ACTION",
        "INTERNAL_REFERRAL",
        "CANCELLED",
        "REOPEN",
        "FOR_TRIAGE",
    }
)


def status_row(status: str, resolution: str = "") -> StatusRow:
    for row in ROWS:
        if row.status == status and row.resolution in ("", resolution):
            return row
    for row in ROWS:
        if row.status == status:
            return row
    raise KeyError(status)


def signalen_state(status: str, resolution: str = "") -> str:
    return status_row(status, resolution).signalen


def open311_status(status: str) -> str:
    return status_row(status).open311


def open311_extended_status(status: str, resolution: str = "") -> str:
    return status_row(status, resolution).open311_extended


def statuses_for_signalen(states: list[str]) -> list[str]:
    """Our statuses that show as any of these Signalen states (a list filter)."""
    return sorted({row.status for row in ROWS if row.signalen in states})


def statuses_for_open311(values: list[str]) -> list[str]:
    return sorted({row.status for row in ROWS if row.open311 in values})
