"""Every write to a report goes through here: one function per thing a person can do."""

import contextlib
import hashlib
import json
import logging
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, BinaryIO

from django.conf import settings
from django.contrib.gis.geos import Point
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from backend.classification.predict import Prediction, predict
from backend.classification.services import classified_payload
from backend.common.errors import ConflictError, DomainValidationError
from backend.common.inserts import insert_statement
from backend.geo.selectors import AreaRef, areas_containing, in_service_area
from backend.organisations.models import Contractor
from backend.routing.engine import Decision
from backend.routing.selectors import decision_assignees, routing_decide, routing_facts
from backend.taxonomy.models import Category, Department
from backend.taxonomy.selectors import category_by_path
from backend.taxonomy.sla import deadline_for

from . import storage
from .events import ActorRef, NewEvent, events_append, events_write
from .images import ImageRejected, process_image
from .models import Attachment, IdempotencyKey, Note, Report, ReportEvent
from .selectors import NearbyReport, intake_surroundings
from .tracking import tracking_token_hash_for
from .workflow import Resolution, Status, allowed_targets, is_allowed

logger = logging.getLogger(__name__)

_UNSET: Any = object()


@dataclass(frozen=True)
class PhotoUpload:
    """A photo that the API has already identified by content as an acceptable image."""

    file: BinaryIO
    size: int
    mime_type: str


@dataclass(frozen=True)
class IdempotencyRequest:
    key: str
    fingerprint: str


@dataclass
class ReportCreateResult:
    report: Report
    # Set when the Idempotency-Key was seen before: the first response, minus the token.
    replayed_response: dict[str, Any] | None = None
    possible_duplicates: list[NearbyReport] = field(default_factory=list)


def intake_fingerprint(*, fields: dict[str, Any], photos: list[PhotoUpload]) -> str:
    """What makes two intake requests "the same body", independent of multipart boundaries."""
    digest = hashlib.sha256(json.dumps(fields, sort_keys=True, default=str).encode())
    for photo in photos:
        photo.file.seek(0)
        while chunk := photo.file.read(1024 * 1024):
            digest.update(chunk)
        photo.file.seek(0)
    return digest.hexdigest()


def _idempotent_replay(request: IdempotencyRequest) -> ReportCreateResult | None:
    existing = IdempotencyKey.objects.select_related("report").filter(key=request.key).first()
    if existing is None:
        return None
    if existing.fingerprint != request.fingerprint:
        raise DomainValidationError.single(
            "Idempotency-Key",
            "This Idempotency-Key was already used for a different request body.",
        )
    return ReportCreateResult(report=existing.report, replayed_response=existing.response)


def _service_area_check(point: Point, areas: list[AreaRef]) -> None:
    if in_service_area(areas):
        return
    message = "This location lies outside the municipality's service area."
    swapped = Point(point.y, point.x, srid=4326)
    if -90 <= swapped.y <= 90 and in_service_area(areas_containing(swapped)):
        message = "This location lies outside the service area; are lat and lon swapped?"
    raise DomainValidationError({"lat": [message], "lon": [message]})


def _routed_deadline(
    decision: Decision, category: Category | None, start: datetime
) -> datetime | None:
    """A rule's deadline overrides the category's service level."""
    if decision.deadline:
        return decision.deadline_at(start)
    if category is None:
        return None
    return deadline_for(
        sla_working_days=category.sla_working_days, sla_hours=category.sla_hours, start=start
    )


def _routing_events(
    decision: Decision,
    department: Department | None,
    contractor: Contractor | None,
    *,
    from_department: str | None,
    from_contractor: str | None,
    assignee_changed: bool = True,
) -> list[NewEvent]:
    """`routed` (which rule of which version, on what) and `assigned` (who).

    Without an active rule set the fallback decides and there is nothing to record beyond the
    assignment. The `assigned` payload keys are a contract: the contractors subscriber reads them.
    """
    events = []
    if decision.ruleset_version is not None:
        events.append(
            NewEvent(
                type=ReportEvent.Type.ROUTED,
                internal_payload={
                    "rule": decision.rule,
                    "ruleset_version": decision.ruleset_version,
                    "reason": decision.reason,
                    "matched": decision.matched,
                    "priority": decision.priority,
                    "deadline": decision.deadline,
                    "needs_triage": decision.needs_triage,
                },
            )
        )
    if assignee_changed:
        events.append(
            NewEvent(
                type=ReportEvent.Type.ASSIGNED,
                internal_payload={
                    "department": department.code if department else None,
                    "contractor": contractor.code if contractor else None,
                    "from": from_department,
                    "from_contractor": from_contractor,
                    "reason": decision.reason,
                    "rule": decision.rule,
                    "ruleset_version": decision.ruleset_version,
                },
            )
        )
    return events


def report_create(
    *,
    text: str,
    location: Point,
    location_source: str = Report.LocationSource.RESIDENT,
    category: Category | None = None,
    language: str = Report.Language.NL,
    source: str = Report.Source.APP,
    email: str = "",
    phone: str = "",
    allow_contact: bool = False,
    photos: list[PhotoUpload] | None = None,
    idempotency: IdempotencyRequest | None = None,
    actor: ActorRef | None = None,
) -> ReportCreateResult:
    """Store a new report with its photos (raw), place and assign it, and start its history.

    Either everything is stored or nothing is, files included. Photo work happens after
    commit, in a task.

    Intake is the hot path, so it costs two round trips: one read (areas and possible
    duplicates) and one write. The write is a single statement (the report, its area links,
    attachments, idempotency key, events and outbox entries), atomic on its own, so no
    transaction block is needed; with an Idempotency-Key the caller's transaction is used,
    under a savepoint, to answer a concurrent duplicate.
    """
    photos = photos or []
    actor = actor or ActorRef.resident()
    if idempotency and (replay := _idempotent_replay(idempotency)):
        return replay

    # Inline only when the category depends on it; a resident's own choice is classified
    # after commit (to measure the model) by the classification subscriber, off the request.
    prediction = predict(text) if category is None else None
    suggested = category_by_path(prediction.best.slug) if prediction else None
    threshold = settings.CLASSIFIER_CONFIDENCE_THRESHOLD
    applied = bool(
        category is None and suggested and prediction and prediction.best.probability >= threshold
    )
    resident_category = category
    if applied:
        category = suggested

    surroundings = intake_surroundings(
        location=location, category_id=category.pk if category else None
    )
    areas = surroundings.areas
    _service_area_check(location, areas)

    report_id = uuid.uuid4()
    now = timezone.now()
    # In memory, from what is at hand: the areas above are the only spatial query.
    decision = routing_decide(
        facts=routing_facts(
            category=category,
            areas=areas,
            text=text,
            source=source,
            priority=Report.Priority.NORMAL,
            at=now,
        )
    )
    department, contractor = decision_assignees(decision, category)
    report = Report(
        id=report_id,
        tracking_token_hash=tracking_token_hash_for(report_id),
        location=location,
        location_source=location_source,
        text=text,
        category=category,
        language=language,
        source=source,
        created_at=now,
        reporter_email=email,
        reporter_phone=phone,
        allow_contact=allow_contact and bool(email or phone),
        suggested_category=suggested,
        suggestion_probability=prediction.best.probability if prediction else None,
        suggestion_applied=applied,
        department=department,
        contractor=contractor,
        priority=decision.priority or Report.Priority.NORMAL,
        needs_triage=decision.needs_triage,
        deadline=_routed_deadline(decision, category, now),
    )
    events = [
        NewEvent(
            type=ReportEvent.Type.CREATED,
            public=True,
            public_payload={"status": report.status},
            internal_payload={
                "category": category.path if category else None,
                "source": source,
                "location_source": location_source,
                "photos": len(photos),
                "areas": [f"{a.type}:{a.code}" for a in areas],
            },
        ),
        *_classified_events(prediction, threshold, applied, resident_category),
        *_routing_events(
            decision, department, contractor, from_department=None, from_contractor=None
        ),
    ]
    written: list[str] = []
    try:
        with transaction.atomic() if idempotency else contextlib.nullcontext():
            attachments = attachments_prepare(report=report, photos=photos, written=written)
            events_write(
                actor=actor,
                batch=[(report, events)],
                alongside=lambda: _report_rows(report, areas, attachments, idempotency),
            )
    except BaseException as exc:
        for relative in written:
            storage.file_remove(storage.private_path(relative))
        if idempotency and isinstance(exc, IntegrityError):
            # A concurrent request with the same key committed first: answer as it did.
            replay = _idempotent_replay(idempotency)
            if replay:
                return replay
        raise
    report._state.adding = False
    report._state.db = connection.alias
    _attachments_dispatch_on_commit(attachments)
    return ReportCreateResult(report=report, possible_duplicates=surroundings.nearby)


def _report_rows(
    report: Report,
    areas: list[AreaRef],
    attachments: list[Attachment],
    idempotency: IdempotencyRequest | None,
) -> list[tuple[str, list[Any]]]:
    """The INSERTs of a new report besides its events, to go in the events' statement. Its
    events reference it before it exists within the statement: foreign keys are checked at
    commit (PostgreSQL: DEFERRABLE INITIALLY DEFERRED)."""
    rows = [insert_statement([report])]
    if areas:
        links = Report.areas.through._meta
        rows.append(
            (
                f"INSERT INTO {connection.ops.quote_name(links.db_table)} (report_id, area_id)"
                " SELECT %s, unnest(%s::bigint[])",
                [report.pk, [area.id for area in areas]],
            )
        )
    if attachments:
        rows.append(insert_statement(attachments))
    if idempotency:
        rows.append(
            insert_statement(
                [
                    IdempotencyKey(
                        key=idempotency.key, fingerprint=idempotency.fingerprint, report=report
                    )
                ]
            )
        )
    return rows


def _classified_events(
    prediction: Prediction | None,
    threshold: float,
    applied: bool,
    resident_category: Category | None,
) -> list[NewEvent]:
    if prediction is None:
        return []
    return [
        NewEvent(
            type=ReportEvent.Type.CLASSIFIED,
            internal_payload=classified_payload(
                prediction,
                threshold=threshold,
                applied=applied,
                resident_category=resident_category.path if resident_category else None,
            ),
        )
    ]


def idempotency_response_store(*, key: str, response: dict[str, Any]) -> None:
    """Keep the first response for a key, so a retry gets the very same answer."""
    IdempotencyKey.objects.filter(key=key).update(response=response)


def attachments_store(
    *,
    report: Report,
    photos: list[PhotoUpload],
    written: list[str],
    kind: str = Attachment.Kind.RESIDENT,
    first_position: int = 0,
) -> list[Attachment]:
    """Keep each upload's raw file in private storage with a pending Attachment, inside the
    caller's transaction; the photo task takes them after commit.

    Each stored path is added to ``written`` at once, so a caller whose transaction fails
    removes exactly those files: no orphan file outlives a rolled-back report.
    """
    attachments = attachments_prepare(
        report=report, photos=photos, written=written, kind=kind, first_position=first_position
    )
    Attachment.objects.bulk_create(attachments)
    _attachments_dispatch_on_commit(attachments)
    return attachments


def attachments_prepare(
    *,
    report: Report,
    photos: list[PhotoUpload],
    written: list[str],
    kind: str = Attachment.Kind.RESIDENT,
    first_position: int = 0,
) -> list[Attachment]:
    """`attachments_store` up to the rows: the files are written (and listed in ``written``),
    the Attachments built but not saved."""
    attachments = []
    for offset, photo in enumerate(photos):
        attachment_id = uuid.uuid4()
        relative = storage.original_store(
            report_id=report.id,
            attachment_id=attachment_id,
            mime_type=photo.mime_type,
            source=photo.file,
        )
        written.append(relative)
        attachments.append(
            Attachment(
                id=attachment_id,
                report=report,
                kind=kind,
                position=first_position + offset,
                original_path=relative,
                original_mime_type=photo.mime_type,
                original_size=photo.size,
            )
        )
    return attachments


def _attachments_dispatch_on_commit(attachments: list[Attachment]) -> None:
    attachment_ids = [a.id for a in attachments]
    if attachment_ids:
        transaction.on_commit(lambda: _attachments_dispatch(attachment_ids))


def _attachments_dispatch(attachment_ids: list[uuid.UUID]) -> None:
    from .tasks import attachment_process_task

    for attachment_id in attachment_ids:
        try:
            attachment_process_task.apply_async((str(attachment_id),), retry=False)
        except Exception:
            # The beat job picks up attachments left pending when the broker was away.
            logger.warning(
                "broker unavailable; attachment %s waits for the retry job", attachment_id
            )


def _locked(report_id: uuid.UUID) -> Report:
    return (
        Report.objects.select_for_update(of=("self",))
        .select_related("category", "department", "contractor")
        .get(pk=report_id)
    )


def _save(report: Report, fields: list[str]) -> None:
    report.save(update_fields=[*fields, "last_event_seq", "updated_at"])


@transaction.atomic
def report_transition(
    *,
    report_id: uuid.UUID,
    actor: ActorRef,
    to: str,
    resolution: str = "",
    public_text: str = "",
) -> Report:
    """Move a report to another status, if the workflow table allows this actor to."""
    report = _locked(report_id)
    if to not in Status.values:
        raise DomainValidationError.single("to", f"Unknown status {to!r}.")
    if not is_allowed(report.status, to, actor.kind):
        raise ConflictError(
            f"A report in status {report.status!r} cannot move to {to!r}.",
            current=report.status,
            allowed=allowed_targets(report.status, actor.kind),
        )
    if to == Status.CLOSED:
        if resolution not in Resolution.values:
            raise DomainValidationError.single(
                "resolution", f"Closing needs a resolution: one of {', '.join(Resolution.values)}."
            )
    elif resolution:
        raise DomainValidationError.single("resolution", "Only closing takes a resolution.")
    if to == Status.INFO_REQUESTED and not public_text.strip():
        raise DomainValidationError.single(
            "public_text", "Asking the resident for information needs the question itself."
        )

    previous = report.status
    if to == Status.INFO_REQUESTED:
        report.status_before_info_request = previous
    report.status = to
    report.resolution = resolution if to == Status.CLOSED else ""
    report.closed_at = timezone.now() if to in (Status.CLOSED, Status.CANCELLED) else None
    events_append(
        report=report,
        actor=actor,
        events=[
            NewEvent(
                type=ReportEvent.Type.STATUS_CHANGED,
                public=True,
                public_payload={
                    "status": to,
                    **({"resolution": resolution} if resolution else {}),
                    **({"text": public_text.strip()} if public_text.strip() else {}),
                },
                internal_payload={"from": previous},
            )
        ],
    )
    _save(report, ["status", "resolution", "closed_at", "status_before_info_request"])
    return report


@transaction.atomic
def report_assign(
    *,
    report_id: uuid.UUID,
    actor: ActorRef,
    department: Department | None = None,
    contractor: Contractor | None = None,
) -> Report:
    """Hand a report to a department and/or an external contractor by hand.

    Automatic re-routing leaves a hand-made assignment alone afterwards. Giving only a
    department takes the report away from a contractor; giving only a contractor keeps the
    responsible department. The `assigned` event's internal payload (department, contractor,
    from, from_contractor, reason) is what the contractors subscriber acts on.
    """
    if department is None and contractor is None:
        raise DomainValidationError.single(
            "department", "Assign to a department, a contractor or both."
        )
    report = _locked(report_id)
    if report.status in (Status.CLOSED, Status.CANCELLED):
        raise ConflictError(f"A {report.status} report cannot be assigned.", current=report.status)
    previous = report.department.code if report.department else None
    previous_contractor = report.contractor.code if report.contractor else None
    if department is not None:
        report.department = department
    report.contractor = contractor
    report.assigned_manually = True
    report.needs_triage = False
    new_events = [
        NewEvent(
            type=ReportEvent.Type.ASSIGNED,
            internal_payload={
                "department": report.department.code if report.department else None,
                "contractor": contractor.code if contractor else None,
                "from": previous,
                "from_contractor": previous_contractor,
                "reason": "manual",
            },
        )
    ]
    fields = ["department", "contractor", "assigned_manually", "needs_triage"]
    if is_allowed(report.status, Status.ASSIGNED, actor.kind) and report.status != Status.ASSIGNED:
        new_events.append(
            NewEvent(
                type=ReportEvent.Type.STATUS_CHANGED,
                public=True,
                public_payload={"status": Status.ASSIGNED},
                internal_payload={"from": report.status},
            )
        )
        report.status = Status.ASSIGNED
        fields.append("status")
    events_append(report=report, actor=actor, events=new_events)
    _save(report, fields)
    return report


@transaction.atomic
def report_update(
    *,
    report_id: uuid.UUID,
    actor: ActorRef,
    category: Category | None = _UNSET,
    priority: str = _UNSET,
    location: Point = _UNSET,
    needs_triage: bool = _UNSET,
) -> Report:
    """Staff corrections: category, priority, location, triage flag. Each change is an event."""
    report = _locked(report_id)
    new_events: list[NewEvent] = []
    fields: list[str] = []
    reroute = False
    areas: list[AreaRef] | None = None

    if category is not _UNSET and category is None:
        raise DomainValidationError.single("category", "A report's category cannot be cleared.")
    if category is not _UNSET and category == report.category and not report.category_verified:
        new_events.append(
            NewEvent(
                type=ReportEvent.Type.CATEGORY_CONFIRMED,
                internal_payload={"category": category.path},
            )
        )
        report.category_verified = True
        fields.append("category_verified")
    if category is not _UNSET and category != report.category:
        new_events.append(
            NewEvent(
                type=ReportEvent.Type.CATEGORY_CHANGED,
                internal_payload={
                    "from": report.category.path if report.category else None,
                    "to": category.path,
                },
            )
        )
        report.category = category
        report.category_verified = True
        report.deadline = deadline_for(
            sla_working_days=category.sla_working_days,
            sla_hours=category.sla_hours,
            start=report.created_at,
        )
        fields += ["category", "category_verified", "deadline"]
        reroute = True

    if priority is not _UNSET and priority != report.priority:
        if priority not in Report.Priority.values:
            raise DomainValidationError.single("priority", f"Unknown priority {priority!r}.")
        new_events.append(
            NewEvent(
                type=ReportEvent.Type.PRIORITY_CHANGED,
                internal_payload={"from": report.priority, "to": priority},
            )
        )
        report.priority = priority
        fields.append("priority")

    if location is not _UNSET and not location.equals_exact(report.location, tolerance=1e-9):
        areas = areas_containing(location)
        _service_area_check(location, areas)
        new_events.append(
            NewEvent(
                type=ReportEvent.Type.LOCATION_CHANGED,
                internal_payload={
                    "from": [report.location.y, report.location.x],
                    "to": [location.y, location.x],
                },
            )
        )
        report.location = location
        report.location_source = Report.LocationSource.STAFF
        report.areas.set([area.id for area in areas])
        fields += ["location", "location_source"]
        reroute = True

    if reroute and not report.assigned_manually:
        fields += _reroute(
            report,
            areas,
            new_events,
            keep_priority=priority is not _UNSET,
            keep_triage=needs_triage is not _UNSET,
        )

    if needs_triage is not _UNSET and needs_triage != report.needs_triage:
        new_events.append(
            NewEvent(
                type=ReportEvent.Type.TRIAGE_CHANGED,
                internal_payload={"from": report.needs_triage, "to": needs_triage},
            )
        )
        report.needs_triage = needs_triage
        fields.append("needs_triage")

    if new_events:
        events_append(report=report, actor=actor, events=new_events)
        _save(report, fields)
    return report


def _reroute(
    report: Report,
    areas: list[AreaRef] | None,
    new_events: list[NewEvent],
    *,
    keep_priority: bool,
    keep_triage: bool,
) -> list[str]:
    """Route a corrected report again, as of when it was made (time windows, deadline).

    What staff set in the same request (priority, triage flag) wins over the rules.
    """
    if areas is None:
        area_keys: list[str] = [f"{t}:{c}" for t, c in report.areas.values_list("type", "code")]
    else:
        area_keys = [f"{a.type}:{a.code}" for a in areas]
    decision = routing_decide(
        facts=routing_facts(
            category=report.category,
            areas=area_keys,
            text=report.text,
            source=report.source,
            priority=report.priority,
            at=report.created_at,
        )
    )
    department, contractor = decision_assignees(decision, report.category)
    previous = report.department.code if report.department else None
    previous_contractor = report.contractor.code if report.contractor else None
    changed = department != report.department or contractor != report.contractor
    new_events += _routing_events(
        decision,
        department,
        contractor,
        from_department=previous,
        from_contractor=previous_contractor,
        assignee_changed=changed,
    )
    fields: list[str] = []
    if changed:
        report.department = department
        report.contractor = contractor
        fields += ["department", "contractor"]
    if decision.deadline:
        report.deadline = decision.deadline_at(report.created_at)
        fields.append("deadline")
    if decision.priority and not keep_priority and decision.priority != report.priority:
        new_events.append(
            NewEvent(
                type=ReportEvent.Type.PRIORITY_CHANGED,
                internal_payload={"from": report.priority, "to": decision.priority},
            )
        )
        report.priority = decision.priority
        fields.append("priority")
    if not keep_triage and decision.needs_triage != report.needs_triage:
        new_events.append(
            NewEvent(
                type=ReportEvent.Type.TRIAGE_CHANGED,
                internal_payload={"from": report.needs_triage, "to": decision.needs_triage},
            )
        )
        report.needs_triage = decision.needs_triage
        fields.append("needs_triage")
    return fields


@transaction.atomic
def report_note_add(*, report_id: uuid.UUID, author: Any, text: str) -> Note:
    if not text.strip():
        raise DomainValidationError.single("text", "A note needs text.")
    report = _locked(report_id)
    note = Note.objects.create(report=report, author=author, text=text.strip())
    events_append(
        report=report,
        actor=ActorRef.staff(author),
        events=[NewEvent(type=ReportEvent.Type.NOTE_ADDED, internal_payload={"note_id": note.pk})],
    )
    _save(report, [])
    return note


def attachment_process(*, attachment_id: uuid.UUID) -> Attachment:
    """Decode, orient, strip, resize and thumbnail one photo; delete the raw upload after.

    The image work runs outside any transaction; only the outcome is written, briefly.
    A photo that turns out not to be one is marked failed; the report is untouched.
    """
    attachment = Attachment.objects.get(pk=attachment_id)
    if attachment.state != Attachment.State.PENDING:
        return attachment  # a retried or duplicated task: the work is done
    original = storage.private_path(attachment.original_path)
    try:
        with open(original, "rb") as source:
            processed = process_image(
                source,
                max_pixels=settings.PHOTO_MAX_PIXELS,
                max_side=settings.PHOTO_MAX_SIDE,
                thumbnail_side=settings.PHOTO_THUMBNAIL_SIDE,
            )
    except ImageRejected as exc:
        return attachment_mark_failed(
            attachment_id=attachment_id, error=f"{exc.code}: {exc.message}"
        )

    file = storage.processed_store(
        report_id=attachment.report_id, name="photo.jpg", data=processed.data
    )
    thumbnail = storage.processed_store(
        report_id=attachment.report_id, name="thumb.jpg", data=processed.thumbnail
    )
    with transaction.atomic():
        report = _locked(attachment.report_id)
        attachment = Attachment.objects.select_for_update().get(pk=attachment_id)
        if attachment.state != Attachment.State.PENDING:
            storage.file_remove(storage.media_path(file))
            storage.file_remove(storage.media_path(thumbnail))
            return attachment
        attachment.file = file
        attachment.thumbnail = thumbnail
        attachment.mime_type = processed.mime_type
        attachment.width = processed.width
        attachment.height = processed.height
        attachment.state = Attachment.State.READY
        attachment.processed_at = timezone.now()
        attachment.original_path = ""
        attachment.attempts += 1
        attachment.save()
        events_append(
            report=report,
            actor=ActorRef.system(),
            events=[
                NewEvent(
                    type=ReportEvent.Type.PHOTO_PROCESSED,
                    internal_payload={"attachment": str(attachment.id)},
                )
            ],
        )
        _save(report, [])
        transaction.on_commit(lambda: storage.file_remove(original))
    return attachment


def attachment_mark_failed(*, attachment_id: uuid.UUID, error: str) -> Attachment:
    """Give up on a photo: the report stays as it is, staff see why in its history."""
    report_id = Attachment.objects.values_list("report_id", flat=True).get(pk=attachment_id)
    with transaction.atomic():
        # Report first, then attachment: the same lock order as attachment_process.
        report = _locked(report_id)
        attachment = Attachment.objects.select_for_update().get(pk=attachment_id)
        if attachment.state != Attachment.State.PENDING:
            return attachment
        original = attachment.original_path
        attachment.state = Attachment.State.FAILED
        attachment.error = error[:300]
        attachment.original_path = ""
        attachment.attempts += 1
        attachment.processed_at = timezone.now()
        attachment.save()
        events_append(
            report=report,
            actor=ActorRef.system(),
            events=[
                NewEvent(
                    type=ReportEvent.Type.PHOTO_FAILED,
                    internal_payload={"attachment": str(attachment.id), "error": error[:300]},
                )
            ],
        )
        _save(report, [])
        if original:
            transaction.on_commit(lambda: storage.file_remove(storage.private_path(original)))
    return attachment
