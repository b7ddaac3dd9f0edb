"""The report workflow: every status, its text for the resident, and who may move it where.

This table is the only place that decides whether a status change is allowed.
"""

from enum import StrEnum

from django.db import models


class Status(models.TextChoices):
    RECEIVED = "received"
    ASSIGNED = "assigned"
    IN_PROGRESS = "in_progress"
    SCHEDULED = "scheduled"
    INFO_REQUESTED = "info_requested"
    COMPLETED_BY_CONTRACTOR = "completed_by_contractor"
    CLOSED = "closed"
    CANCELLED = "cancelled"
    REOPEN_REQUESTED = "reopen_requested"
    REOPENED = "reopened"


class Resolution(models.TextChoices):
    FIXED = "fixed"
    DUPLICATE = "duplicate"
    NOT_FOUND = "not_found"
    NOT_OUR_RESPONSIBILITY = "not_our_responsibility"
    NO_ACTION = "no_action"


class Actor(StrEnum):
    STAFF = "staff"
    CONTRACTOR = "contractor"
    RESIDENT = "resident"
    SYSTEM = "system"


STATUS_TEXT: dict[str, dict[str, str]] = {
    Status.RECEIVED: {
        "nl": "Uw melding is ontvangen en wordt bekeken.",
        "en": "Your report has been received and will be reviewed.",
    },
    Status.ASSIGNED: {
        "nl": "Uw melding is doorgezet naar het team dat het gaat oplossen.",
        "en": "Your report has been passed to the team that will handle it.",
    },
    Status.IN_PROGRESS: {
        "nl": "Er wordt aan uw melding gewerkt.",
        "en": "Work on your report is in progress.",
    },
    Status.SCHEDULED: {
        "nl": "Het werk voor uw melding is ingepland.",
        "en": "The work for your report has been scheduled.",
    },
    Status.INFO_REQUESTED: {
        "nl": "We hebben meer informatie van u nodig.",
        "en": "We need more information from you.",
    },
    Status.COMPLETED_BY_CONTRACTOR: {
        "nl": "Het werk is uitgevoerd; de gemeente controleert het resultaat.",
        "en": "The work has been carried out; the municipality is checking the result.",
    },
    Status.CLOSED: {
        "nl": "Uw melding is afgehandeld.",
        "en": "Your report has been closed.",
    },
    Status.CANCELLED: {
        "nl": "Uw melding is geannuleerd.",
        "en": "Your report has been cancelled.",
    },
    Status.REOPEN_REQUESTED: {
        "nl": "U heeft gevraagd de melding te heropenen; we bekijken uw verzoek.",
        "en": "You asked us to reopen the report; we are looking at your request.",
    },
    Status.REOPENED: {
        "nl": "Uw melding is heropend en wordt opnieuw behandeld.",
        "en": "Your report has been reopened and will be handled again.",
    },
}

# "Closed" must never silently mean "fixed": the resident is always told how it ended.
RESOLUTION_TEXT: dict[str, dict[str, str]] = {
    Resolution.FIXED: {
        "nl": "Het probleem is opgelost.",
        "en": "The problem has been fixed.",
    },
    Resolution.DUPLICATE: {
        "nl": "Dit probleem was al gemeld en wordt via die andere melding afgehandeld.",
        "en": "This problem had already been reported and is handled through that report.",
    },
    Resolution.NOT_FOUND: {
        "nl": "We hebben het probleem ter plaatse niet aangetroffen.",
        "en": "We could not find the problem on site.",
    },
    Resolution.NOT_OUR_RESPONSIBILITY: {
        "nl": "Dit valt niet onder de verantwoordelijkheid van de gemeente.",
        "en": "This is not the municipality's responsibility.",
    },
    Resolution.NO_ACTION: {
        "nl": "We ondernemen hier geen actie op.",
        "en": "We will not take action on this.",
    },
}

_S = frozenset({Actor.STAFF, Actor.SYSTEM})
_SC = frozenset({Actor.STAFF, Actor.SYSTEM, Actor.CONTRACTOR})
_SR = frozenset({Actor.STAFF, Actor.SYSTEM, Actor.RESIDENT})
_R = frozenset({Actor.RESIDENT})

# from -> {to -> actors allowed to make that move}
TRANSITIONS: dict[str, dict[str, frozenset[Actor]]] = {
    Status.RECEIVED: {
        Status.ASSIGNED: _S,
        Status.IN_PROGRESS: _S,
        Status.SCHEDULED: _S,
        Status.INFO_REQUESTED: _S,
        Status.CLOSED: _S,
        Status.CANCELLED: _S,
    },
    Status.ASSIGNED: {
        Status.RECEIVED: _S,
        Status.IN_PROGRESS: _SC,
        Status.SCHEDULED: _SC,
        Status.INFO_REQUESTED: _S,
        Status.COMPLETED_BY_CONTRACTOR: _SC,
        Status.CLOSED: _SC,
        Status.CANCELLED: _S,
    },
    Status.IN_PROGRESS: {
        Status.SCHEDULED: _SC,
        Status.INFO_REQUESTED: _S,
        Status.COMPLETED_BY_CONTRACTOR: _SC,
        Status.CLOSED: _SC,
        Status.CANCELLED: _S,
    },
    Status.SCHEDULED: {
        Status.IN_PROGRESS: _SC,
        Status.INFO_REQUESTED: _S,
        Status.COMPLETED_BY_CONTRACTOR: _SC,
        Status.CLOSED: _SC,
        Status.CANCELLED: _S,
    },
    # The resident's answer returns the report to where it was before the question.
    Status.INFO_REQUESTED: {
        Status.RECEIVED: _SR,
        Status.ASSIGNED: _SR,
        Status.IN_PROGRESS: _SR,
        Status.SCHEDULED: _SR,
        Status.REOPENED: _SR,
        Status.CLOSED: _S,
        Status.CANCELLED: _S,
    },
    Status.COMPLETED_BY_CONTRACTOR: {
        Status.CLOSED: _S,
        Status.IN_PROGRESS: _S,
        Status.ASSIGNED: _S,
    },
    Status.CLOSED: {
        Status.REOPEN_REQUESTED: _R,
        Status.REOPENED: _S,
    },
    Status.REOPEN_REQUESTED: {
        Status.REOPENED: _S,
        Status.CLOSED: _S,
    },
    Status.REOPENED: {
        Status.ASSIGNED: _S,
        Status.IN_PROGRESS: _SC,
        Status.SCHEDULED: _SC,
        Status.INFO_REQUESTED: _S,
        Status.COMPLETED_BY_CONTRACTOR: _SC,
        Status.CLOSED: _S,
        Status.CANCELLED: _S,
    },
    Status.CANCELLED: {
        Status.REOPENED: _S,
    },
}

OPEN_STATUSES = frozenset(s for s in Status if s not in (Status.CLOSED, Status.CANCELLED))


def allowed_targets(current: str, actor: Actor) -> list[str]:
    return [to for to, actors in TRANSITIONS.get(current, {}).items() if actor in actors]


def is_allowed(current: str, target: str, actor: Actor) -> bool:
    return actor in TRANSITIONS.get(current, {}).get(target, frozenset())


def status_text(status: str, language: str, resolution: str | None = None) -> str:
    lang = "en" if language == "en" else "nl"
    text = STATUS_TEXT[status][lang]
    if status == Status.CLOSED and resolution:
        text = f"{text} {RESOLUTION_TEXT[resolution][lang]}"
    return text
