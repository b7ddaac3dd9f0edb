"""A report in the console (`/console/r/{id}/`): everything a dispatcher needs to decide, and
the actions, each a form post that calls the service the staff API calls and comes back to
the page. Input is validated by the staff API's serializers: one set of rules."""

import uuid
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from rest_framework import serializers

from backend.common.errors import ConflictError, DomainValidationError
from backend.contractors.selectors import webhook_messages
from backend.notifications.selectors import report_mail_deliveries
from backend.notifications.services import report_merge
from backend.reports.models import Report, ReportEvent
from backend.reports.selectors import report_duplicate_candidates, report_events, report_notes
from backend.reports.selectors_texts import standard_texts_by_status
from backend.reports.services import report_assign, report_note_add, report_transition
from backend.reports.services import report_update as report_update_service
from backend.reports.storage import media_url
from frontend_api.staff.merge import MergeInputSerializer
from frontend_api.staff.representations import staff_report_detail
from frontend_api.staff.serializers import (
    AssignInputSerializer,
    NoteInputSerializer,
    ReportUpdateInputSerializer,
    TransitionInputSerializer,
)

from .access import actor_of, console_action, console_page, console_user, report_or_404
from .queue import filled, filter_choices


def _routing_explanation(events: list[ReportEvent]) -> dict[str, Any] | None:
    """The latest routing decision: which rule of which rule set version, and why."""
    for event in reversed(events):
        if event.type == ReportEvent.Type.ROUTED:
            return {**event.public_payload, **event.internal_payload}
    return None


@console_page
def report_page(request: HttpRequest, report_id: uuid.UUID) -> HttpResponse:
    report = report_or_404(request, report_id)
    user = console_user(request)
    events = list(report_events(report))
    language = "en" if (get_language() or "").startswith("en") else "nl"
    detail = staff_report_detail(report, contact=user.sees_contact_details)
    context = {
        "nav": "queue",
        "report": report,
        "detail": detail,
        "photos": [
            {"url": media_url(photo.file), "thumbnail": media_url(photo.thumbnail or photo.file)}
            for photo in detail.photos
        ],
        "now": timezone.now(),
        "events": events,
        "notes": report_notes(report),
        "mails": report_mail_deliveries(report),
        "webhooks": webhook_messages(report_id=report.id)[:50],
        "routing": _routing_explanation(events),
        "candidates": report_duplicate_candidates(report, limit=5),
        "can_act": user.is_staff_actor,
        "sees_contact": user.sees_contact_details,
        "status_texts": standard_texts_by_status(language),
        "map_tile_url": settings.MAP_TILE_URL,
        "map_tile_attribution": settings.MAP_TILE_ATTRIBUTION,
        **filter_choices(),
    }
    return render(request, "console/report.html", context)


def _act(
    request: HttpRequest,
    report_id: uuid.UUID,
    serializer_class: type[serializers.Serializer],
    call: Callable[[dict[str, Any]], Any],
    done: str,
    anchor: str,
) -> HttpResponse:
    """Validate the form as the API does, call the service, say how it went, back to the page."""
    report_or_404(request, report_id)
    serializer = serializer_class(data=filled(request.POST))
    if not serializer.is_valid():
        for name, problems in serializer.errors.items():
            for problem in problems if isinstance(problems, list) else [problems]:
                messages.error(request, f"{name}: {problem}")
    else:
        try:
            call(serializer.validated_data)
            messages.success(request, done)
        except ConflictError as exc:
            messages.error(request, exc.message)
        except DomainValidationError as exc:
            for name, problems in exc.errors.items():
                for problem in problems:
                    messages.error(request, f"{name}: {problem}")
    return redirect(f"/console/r/{report_id}/#{anchor}")


@console_action
def report_assign_post(request: HttpRequest, report_id: uuid.UUID) -> HttpResponse:
    return _act(
        request,
        report_id,
        AssignInputSerializer,
        lambda data: report_assign(report_id=report_id, actor=actor_of(request), **data),
        _("Assigned."),
        "assign",
    )


@console_action
def report_transition_post(request: HttpRequest, report_id: uuid.UUID) -> HttpResponse:
    return _act(
        request,
        report_id,
        TransitionInputSerializer,
        lambda data: report_transition(report_id=report_id, actor=actor_of(request), **data),
        _("Status changed."),
        "status",
    )


@console_action
def report_note_post(request: HttpRequest, report_id: uuid.UUID) -> HttpResponse:
    return _act(
        request,
        report_id,
        NoteInputSerializer,
        lambda data: report_note_add(report_id=report_id, author=request.user, text=data["text"]),
        _("Note added."),
        "note",
    )


@console_action
def report_update_post(request: HttpRequest, report_id: uuid.UUID) -> HttpResponse:
    """Category (also: a classifier's suggestion accepted), priority or place; a new category
    or place routes the report again."""
    return _act(
        request,
        report_id,
        ReportUpdateInputSerializer,
        lambda data: report_update_service(report_id=report_id, actor=actor_of(request), **data),
        _("Changed."),
        "details",
    )


@console_action
def report_merge_post(request: HttpRequest, report_id: uuid.UUID) -> HttpResponse:
    def merge(data: dict[str, Any]) -> Report:
        try:
            report_or_404(request, data["into"])
        except Http404:
            raise DomainValidationError.single(
                "into", _("There is no report with this id.")
            ) from None
        return report_merge(report_id=report_id, into_id=data["into"], actor=actor_of(request))

    return _act(request, report_id, MergeInputSerializer, merge, _("Merged."), "merge")
