"""The catalogue of report events: one frozen dataclass per type, with its payloads.

A report event is stored as two JSON objects: the public payload (what the resident may see:
the timeline, mail, push) and the internal one (staff, audit, other apps). Each class names
where each of its fields goes and under which key, so the stored shape is decided here once:
writers build an event from typed fields, and subscribers read typed fields back with
`event_of` instead of `.get()` on a dict. The stored keys are a contract with the API
(timelines show them) and with history already written: a field's key never changes.
"""

from collections.abc import Callable, Iterable
from dataclasses import MISSING, dataclass, fields
from dataclasses import field as dataclass_field
from typing import Any, ClassVar, Self, TypeVar

from .models import ReportEvent

EventType = ReportEvent.Type

_Omit = Callable[[Any], bool]


def _empty(value: Any) -> bool:
    return not value


def payload(
    key: str = "", *, public: bool = False, omit: _Omit | None = None, default: Any = MISSING
) -> Any:
    """Declare a field stored under `key` (its own name by default), in the public payload
    or the internal one, left out when `omit(value)` holds."""
    return dataclass_field(default=default, metadata={"key": key, "public": public, "omit": omit})


@dataclass(frozen=True, kw_only=True)
class Event:
    type: ClassVar[str]
    # Whether the resident sees the event on the timeline and gets it pushed.
    public: ClassVar[bool] = False

    def payloads(self) -> tuple[dict[str, Any], dict[str, Any]]:
        public: dict[str, Any] = {}
        internal: dict[str, Any] = {}
        for name, key, is_public, omit in _layout(type(self)):
            value = getattr(self, name)
            if omit is not None and omit(value):
                continue
            (public if is_public else internal)[key] = value
        return public, internal

    @classmethod
    def parse(cls, public: dict[str, Any], internal: dict[str, Any]) -> Self:
        values = {}
        for name, key, is_public, _ in _layout(cls):
            source = public if is_public else internal
            if key in source:
                values[name] = source[key]
        return cls(**values)


_Layout = tuple[tuple[str, str, bool, _Omit | None], ...]
_layouts: dict[type, _Layout] = {}


def _layout(cls: type[Event]) -> _Layout:
    """Each field's name, stored key, payload and omission rule, read once per class: every
    write path, intake included, stores events."""
    if cls in _layouts:
        return _layouts[cls]
    _layouts[cls] = layout = tuple(
        (
            f.name,
            f.metadata.get("key") or f.name,
            bool(f.metadata.get("public")),
            f.metadata.get("omit"),
        )
        for f in fields(cls)
    )
    return layout


# --- intake, workflow and corrections ------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Created(Event):
    type = EventType.CREATED
    public = True
    status: str = payload(public=True)
    category: str | None = None
    source: str = ""
    location_source: str = ""
    photos: int = 0
    areas: list[str] = payload(default=())


@dataclass(frozen=True, kw_only=True)
class StatusChanged(Event):
    type = EventType.STATUS_CHANGED
    public = True
    status: str = payload(public=True)
    resolution: str = payload(public=True, omit=_empty, default="")
    # The question of an information request, or the standard text staff chose.
    text: str = payload(public=True, omit=_empty, default="")
    previous: str = payload("from", default="")


@dataclass(frozen=True, kw_only=True)
class Assigned(Event):
    """Who has the report now. The contractors app acts on it: a new contractor gets an offer,
    a lost one a withdrawal. Written by routing, by hand, and when a contractor lets go."""

    type = EventType.ASSIGNED
    department: str | None = None
    contractor: str | None = None
    previous_department: str | None = payload("from", default=None)
    previous_contractor: str | None = payload("from_contractor", default=None)
    reason: str = ""
    # Set when a routing rule decided (rule None: the fallback); absent for other causes.
    by_rule: bool = payload(omit=lambda _: True, default=False)
    rule: str | None = None
    ruleset_version: int | None = None

    def payloads(self) -> tuple[dict[str, Any], dict[str, Any]]:
        public, internal = super().payloads()
        if not self.by_rule:
            del internal["rule"], internal["ruleset_version"]
        return public, internal

    @classmethod
    def parse(cls, public: dict[str, Any], internal: dict[str, Any]) -> Self:
        return cls(
            department=internal.get("department"),
            contractor=internal.get("contractor"),
            previous_department=internal.get("from"),
            previous_contractor=internal.get("from_contractor"),
            reason=internal.get("reason", ""),
            by_rule="rule" in internal,
            rule=internal.get("rule"),
            ruleset_version=internal.get("ruleset_version"),
        )


@dataclass(frozen=True, kw_only=True)
class Routed(Event):
    """Which rule of which rule set version decided, and on what."""

    type = EventType.ROUTED
    rule: str | None
    ruleset_version: int | None
    reason: str
    matched: Any = None
    priority: str | None = None
    deadline: dict[str, int] | None = None
    needs_triage: bool = False


@dataclass(frozen=True, kw_only=True)
class Classified(Event):
    """What the classifier said: enough to audit a category and to measure the model."""

    type = EventType.CLASSIFIED
    model_version: str
    suggestions: list[dict[str, Any]]
    mains: list[dict[str, Any]]
    confidence: float
    threshold: float
    applied: bool
    resident_category: str | None


@dataclass(frozen=True, kw_only=True)
class _FromTo(Event):
    previous: Any = payload("from")
    new: Any = payload("to")


@dataclass(frozen=True, kw_only=True)
class CategoryChanged(_FromTo):
    type = EventType.CATEGORY_CHANGED


@dataclass(frozen=True, kw_only=True)
class CategoryConfirmed(Event):
    type = EventType.CATEGORY_CONFIRMED
    category: str


@dataclass(frozen=True, kw_only=True)
class PriorityChanged(_FromTo):
    type = EventType.PRIORITY_CHANGED


@dataclass(frozen=True, kw_only=True)
class LocationChanged(_FromTo):
    """From and to as [lat, lon]."""

    type = EventType.LOCATION_CHANGED


@dataclass(frozen=True, kw_only=True)
class TriageChanged(_FromTo):
    type = EventType.TRIAGE_CHANGED
    reason: str = payload(omit=_empty, default="")


@dataclass(frozen=True, kw_only=True)
class NoteAdded(Event):
    type = EventType.NOTE_ADDED
    note_id: int


@dataclass(frozen=True, kw_only=True)
class PhotoProcessed(Event):
    type = EventType.PHOTO_PROCESSED
    attachment: str


@dataclass(frozen=True, kw_only=True)
class PhotoFailed(Event):
    type = EventType.PHOTO_FAILED
    attachment: str
    error: str


# --- the contractor's assignment -----------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class _AssignmentEvent(Event):
    assignment: str
    contractor: str


@dataclass(frozen=True, kw_only=True)
class AssignmentOffered(_AssignmentEvent):
    type = EventType.ASSIGNMENT_OFFERED
    channel: str
    reason: str = ""


@dataclass(frozen=True, kw_only=True)
class AssignmentAccepted(_AssignmentEvent):
    type = EventType.ASSIGNMENT_ACCEPTED


@dataclass(frozen=True, kw_only=True)
class AssignmentRejected(_AssignmentEvent):
    type = EventType.ASSIGNMENT_REJECTED
    reason: str


@dataclass(frozen=True, kw_only=True)
class AssignmentProgress(_AssignmentEvent):
    type = EventType.ASSIGNMENT_PROGRESS
    note: str
    scheduled_for: str | None = None  # ISO 8601


@dataclass(frozen=True, kw_only=True)
class AssignmentCompleted(_AssignmentEvent):
    type = EventType.ASSIGNMENT_COMPLETED
    note: str
    resolution: str
    photos: list[str]


@dataclass(frozen=True, kw_only=True)
class AssignmentWithdrawn(_AssignmentEvent):
    type = EventType.ASSIGNMENT_WITHDRAWN
    reason: str


# --- the resident and the push channels ----------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class ResidentReplied(Event):
    type = EventType.RESIDENT_REPLIED
    public = True
    text: str = payload(public=True)
    attachments: list[str] = payload(default=())


@dataclass(frozen=True, kw_only=True)
class FeedbackReceived(Event):
    type = EventType.FEEDBACK_RECEIVED
    feedback: int
    satisfied: bool
    closing_seq: int
    text: str


@dataclass(frozen=True, kw_only=True)
class Merged(Event):
    """This report was closed as a duplicate of `into`; its followers follow that one."""

    type = EventType.MERGED
    into: str
    followers: int


@dataclass(frozen=True, kw_only=True)
class DuplicateMerged(Event):
    type = EventType.DUPLICATE_MERGED
    duplicate: str = payload("from")
    followers: int


@dataclass(frozen=True, kw_only=True)
class FollowerAdded(Event):
    type = EventType.FOLLOWER_ADDED
    channel: str
    origin: str
    subscription: str
    # A follower's e-mail address: the outbox mails it a confirmation link.
    confirm: bool


@dataclass(frozen=True, kw_only=True)
class FollowerConfirmed(Event):
    type = EventType.FOLLOWER_CONFIRMED
    channel: str
    subscription: str


@dataclass(frozen=True, kw_only=True)
class _DeliveryFailed(Event):
    event_seq: int
    delivery: int
    attempts: int
    error: str


@dataclass(frozen=True, kw_only=True)
class MailFailed(_DeliveryFailed):
    type = EventType.MAIL_FAILED


@dataclass(frozen=True, kw_only=True)
class PushFailed(_DeliveryFailed):
    type = EventType.PUSH_FAILED


@dataclass(frozen=True, kw_only=True)
class ContactErased(Event):
    type = EventType.CONTACT_ERASED
    fields: list[str]
    subscriptions: int


# --- service levels (services/sla.py): 80 % of the time to the deadline gone; past it --------


@dataclass(frozen=True, kw_only=True)
class DeadlineWarning(Event):
    type = EventType.DEADLINE_WARNING
    deadline: str  # ISO 8601, UTC
    warn_at: str  # when the share was reached


@dataclass(frozen=True, kw_only=True)
class Overdue(Event):
    type = EventType.OVERDUE
    deadline: str


CATALOGUE: dict[str, type[Event]] = {
    cls.type: cls
    for cls in (
        Created,
        StatusChanged,
        Assigned,
        Routed,
        Classified,
        CategoryChanged,
        CategoryConfirmed,
        PriorityChanged,
        LocationChanged,
        TriageChanged,
        NoteAdded,
        PhotoProcessed,
        PhotoFailed,
        AssignmentOffered,
        AssignmentAccepted,
        AssignmentRejected,
        AssignmentProgress,
        AssignmentCompleted,
        AssignmentWithdrawn,
        ResidentReplied,
        FeedbackReceived,
        Merged,
        DuplicateMerged,
        FollowerAdded,
        FollowerConfirmed,
        MailFailed,
        PushFailed,
        ContactErased,
        DeadlineWarning,
        Overdue,
    )
}


@dataclass(frozen=True)
class PublicPart:
    """What the resident may see of any public event, whatever its type: the timeline, mail,
    push and the sockets show these three and nothing else."""

    status: str = ""
    resolution: str = ""
    text: str = ""


def public_part(record: ReportEvent) -> PublicPart:
    payload = record.public_payload
    return PublicPart(
        status=payload.get("status", ""),
        resolution=payload.get("resolution", ""),
        text=payload.get("text", ""),
    )


E = TypeVar("E", bound=Event)


def event_of(record: ReportEvent, expected: type[E]) -> E:
    """A stored event as its class, checked to be the type the caller handles."""
    cls = CATALOGUE[record.type]
    if not issubclass(cls, expected):
        raise TypeError(f"event {record} is a {cls.__name__}, not a {expected.__name__}")
    parsed = cls.parse(record.public_payload, record.internal_payload)
    assert isinstance(parsed, expected)
    return parsed


def internal_payloads_load(records: Iterable[ReportEvent]) -> None:
    """Fill in the internal payloads the outbox leaves deferred, in one query for a batch."""
    deferred = [r for r in records if "internal_payload" in r.get_deferred_fields()]
    if not deferred:
        return
    loaded = dict(
        ReportEvent.objects.filter(pk__in=[r.pk for r in deferred]).values_list(
            "pk", "internal_payload"
        )
    )
    for record in deferred:
        record.internal_payload = loaded[record.pk]
