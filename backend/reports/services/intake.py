"""A new report: stored with its photos (raw), classified, placed, routed, its history begun."""

import contextlib
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.gis.geos import Point
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from backend.classification.language import language_choose
from backend.classification.predict import Prediction, predict
from backend.common.errors import DomainValidationError
from backend.common.text import text_clean
from backend.geo.selectors import AreaRef
from backend.routing.selectors import decision_assignees, routing_decide, routing_facts
from backend.taxonomy.models import Category
from backend.taxonomy.selectors import category_by_path

from ..actors import ActorRef
from ..catalogue import Classified, Created, Event
from ..change import report_start
from ..models import Attachment, Report
from ..selectors import NearbyReport, intake_surroundings
from ..sql import Statement, insert_statement
from ..tracking import tracking_token_hash_for
from .idempotency import (
    IdempotencyRequest,
    idempotency_key_row,
    idempotency_response_store,
    idempotent_replay,
    intake_fingerprint,
)
from .photos import (
    PhotoUpload,
    attachments_dispatch_on_commit,
    attachments_prepare,
    written_files_remove,
)
from .placing import routed_deadline, routing_events, service_area_check


@dataclass
class ReportCreateResult:
    report: Report
    # Set when the Idempotency-Key was seen before: the first response, minus the token.
    replayed_response: dict[str, Any] | None = None
    possible_duplicates: list[NearbyReport] = field(default_factory=list)


# Builds the answer to keep for an Idempotency-Key (the transport's response body).
Render = Callable[[ReportCreateResult], dict[str, Any]]


def report_create(
    *,
    text: str,
    location: Point,
    location_source: str = Report.LocationSource.RESIDENT,
    category: Category | None = None,
    language: str | None = None,
    language_hint: str | None = None,
    source: str = Report.Source.APP,
    email: str = "",
    phone: str = "",
    allow_contact: bool = False,
    photos: list[PhotoUpload] | None = None,
    idempotency_key: str | None = None,
    render: Render | None = None,
    actor: ActorRef | None = None,
) -> ReportCreateResult:
    """Store a new report with its photos (raw), place and assign it, and start its history.

    Either everything is stored or nothing is, files included. Photo work happens after
    commit, in a task. With an Idempotency-Key, a retry of the same request gets the first
    answer (as `render` built it) and a different request under the same key raises
    IdempotencyKeyReused; the report and its answer are committed together.

    Without a `language`, the report's (that of its mails and status texts) is the text's, as
    far as it tells; else `language_hint` (what the resident's app asked for); else Dutch.
    """
    photos = photos or []
    actor = actor or ActorRef.resident()
    text = text_clean(text)
    if not text.strip():
        raise DomainValidationError.single("text", _("The text has no readable characters."))
    idempotency = None
    if idempotency_key:
        fingerprint = intake_fingerprint(
            fields={
                "text": text,
                "lat": location.y,
                "lon": location.x,
                "location_source": location_source,
                "category": category.path if category else None,
                # As fingerprinted when an absent language meant Dutch: keys kept from before
                # still match their retries.
                "language": language or Report.Language.NL,
                "source": source,
                "email": email,
                "phone": phone,
                "allow_contact": allow_contact,
            },
            photos=photos,
        )
        idempotency = IdempotencyRequest(key=idempotency_key, fingerprint=fingerprint)
        if replay := idempotent_replay(idempotency):
            return ReportCreateResult(report=replay.report, replayed_response=replay.response)
    # After the fingerprint: a retry whose Accept-Language differs is the same request.
    language = language or language_choose(text, hint=language_hint)
    # Without a key the report's single write statement is a transaction of its own; with
    # one, the answer kept for the key is written in the same transaction as the report.
    with transaction.atomic() if idempotency else contextlib.nullcontext():
        try:
            # A savepoint: after a concurrent duplicate's IntegrityError the transaction
            # must still answer the replay query.
            with transaction.atomic() if idempotency else contextlib.nullcontext():
                result = _create(
                    text=text,
                    location=location,
                    location_source=location_source,
                    category=category,
                    language=language,
                    source=source,
                    email=email,
                    phone=phone,
                    allow_contact=allow_contact,
                    photos=photos,
                    idempotency=idempotency,
                    actor=actor,
                )
        except IntegrityError:
            # A concurrent request with the same key committed first: answer as it did.
            if idempotency and (replay := idempotent_replay(idempotency)):
                return ReportCreateResult(report=replay.report, replayed_response=replay.response)
            raise
        if idempotency and render is not None:
            # Without the token, in the field and in the links: tokens are stored hashed only.
            kept = {k: v for k, v in render(result).items() if k not in ("tracking_token", "links")}
            idempotency_response_store(key=idempotency.key, response=kept)
    return result


def _create(
    *,
    text: str,
    location: Point,
    location_source: str,
    category: Category | None,
    language: str,
    source: str,
    email: str,
    phone: str,
    allow_contact: bool,
    photos: list[PhotoUpload],
    idempotency: IdempotencyRequest | None,
    actor: ActorRef,
) -> ReportCreateResult:
    # Inline only when the category depends on it; a resident's own choice is classified
    # after commit (to measure the model) by the suggestions subscriber, off the request.
    prediction = predict(text) if category is None else None
    suggested = category_by_path(prediction.best.slug) if prediction else None
    threshold = settings.CLASSIFIER_CONFIDENCE_THRESHOLD
    applied = bool(
        category is None and suggested and prediction and prediction.best.probability >= threshold
    )
    resident_category = category
    if applied:
        category = suggested

    # The only spatial query: the areas and nearby open reports, in one round trip.
    surroundings = intake_surroundings(
        location=location, category_id=category.pk if category else None
    )
    areas = surroundings.areas
    service_area_check(location, areas)

    report_id = uuid.uuid4()
    now = timezone.now()
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
        deadline=routed_deadline(decision, category, now),
        address=surroundings.address,
    )
    events: list[Event] = [
        Created(
            status=report.status,
            category=category.path if category else None,
            source=source,
            location_source=location_source,
            photos=len(photos),
            areas=[f"{a.type}:{a.code}" for a in areas],
        ),
        *(
            [classified(prediction, applied=applied, resident_category=resident_category)]
            if prediction
            else []
        ),
        *routing_events(
            decision, department, contractor, previous_department=None, previous_contractor=None
        ),
    ]
    written: list[str] = []
    try:
        attachments = attachments_prepare(report=report, photos=photos, written=written)
        report_start(
            report=report,
            actor=actor,
            events=events,
            alongside=lambda: _report_rows(report, areas, attachments, idempotency),
        )
    except BaseException:
        written_files_remove(written)
        raise
    attachments_dispatch_on_commit(attachments)
    return ReportCreateResult(report=report, possible_duplicates=surroundings.nearby)


def classified(
    prediction: Prediction, *, applied: bool, resident_category: Category | None
) -> Classified:
    """What the history records of a classification: enough to audit and to measure it."""
    return Classified(
        model_version=prediction.model_version,
        suggestions=[
            {"slug": s.slug, "probability": round(s.probability, 4)} for s in prediction.subs
        ],
        mains=[{"slug": s.slug, "probability": round(s.probability, 4)} for s in prediction.mains],
        confidence=round(prediction.best.probability, 4),
        threshold=settings.CLASSIFIER_CONFIDENCE_THRESHOLD,
        applied=applied,
        resident_category=resident_category.path if resident_category else None,
    )


def _report_rows(
    report: Report,
    areas: list[AreaRef],
    attachments: list[Attachment],
    idempotency: IdempotencyRequest | None,
) -> list[Statement]:
    """The INSERTs of a new report besides its own row and its events, to go in the events'
    statement. They reference it before it exists within the statement: foreign keys are
    checked at commit (PostgreSQL: DEFERRABLE INITIALLY DEFERRED)."""
    rows: list[Statement] = []
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
        rows.append(insert_statement([idempotency_key_row(idempotency, report)]))
    return rows
