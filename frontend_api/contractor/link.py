"""The one-time-link page: a contractor with only a phone sees and does the assignment here.

The secret in the URL is the only credential (no cookies), so the forms need no CSRF token;
the page tells the browser not to pass the URL on (Referrer-Policy) nor to cache it.
"""

from datetime import datetime
from pathlib import Path
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template import Context, Engine
from django.utils import timezone, translation
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from backend.common.errors import ConflictError, DomainValidationError
from backend.contractors.links import link_touch
from backend.contractors.models import Assignment, AssignmentLink
from backend.contractors.selectors import assignment_get, assignment_photos, link_by_token
from backend.contractors.services import (
    assignment_accept,
    assignment_complete,
    assignment_progress,
    assignment_reject,
)
from backend.reports import storage
from backend.reports.actors import ActorRef
from backend.reports.workflow import Resolution
from frontend_api.common.throttling import token_lookup_throttled

from .uploads import photos_inspect

# frontend_api is not an installed app; its templates are found through an engine of its own.
_engine = Engine(dirs=[str(Path(__file__).parent / "templates")], autoescape=True)

_RESOLUTION_LABELS = {
    Resolution.FIXED: "Opgelost",
    Resolution.NOT_FOUND: "Niet aangetroffen",
    Resolution.NO_ACTION: "Geen actie nodig",
    Resolution.NOT_OUR_RESPONSIBILITY: "Niet onze verantwoordelijkheid",
    Resolution.DUPLICATE: "Dubbel",
}
_DONE = {
    "accept": "De opdracht is geaccepteerd.",
    "reject": "De opdracht is geweigerd. Dank voor het laten weten.",
    "progress": "De voortgang is doorgegeven.",
    "complete": "De opdracht is afgerond. Dank u wel!",
}


def _render(
    request: HttpRequest,
    *,
    link: AssignmentLink | None,
    status: int = 200,
    error: str = "",
    field_errors: dict[str, list[str]] | None = None,
) -> HttpResponse:
    context: dict[str, Any] = {
        "error": error,
        "field_errors": field_errors or {},
        # The page's own style and script run by this (settings/security.py).
        "csp_nonce": str(request.csp_nonce),  # type: ignore[attr-defined]
    }
    if link is not None:
        assignment = assignment_get(link.assignment_id)
        assert assignment is not None
        report = assignment.report
        photos = assignment_photos(assignment)
        lat, lon = report.location.y, report.location.x
        context.update(
            {
                "assignment": assignment,
                "report": report,
                "category": report.category.name_nl if report.category else "Melding",
                "lat": f"{lat:.6f}",
                "lon": f"{lon:.6f}",
                "osm_url": (
                    f"https://www.openstreetmap.org/?mlat={lat:.6f}&mlon={lon:.6f}"
                    f"#map=18/{lat:.6f}/{lon:.6f}"
                ),
                "photos": [storage.media_url(p.file) for p in photos["before"]],
                "after_photos": [storage.media_url(p.file) for p in photos["after"]],
                "deadline": timezone.localtime(report.deadline) if report.deadline else None,
                "can_answer": assignment.state == Assignment.State.OFFERED,
                "can_work": assignment.state
                in (Assignment.State.ACCEPTED, Assignment.State.IN_PROGRESS),
                "resolutions": list(_RESOLUTION_LABELS.items()),
                "done": _DONE.get(request.GET.get("done", ""), ""),
            }
        )
    # The page is Dutch throughout (lang="nl"); the model's labels must not follow a browser
    # that asks for English.
    with translation.override("nl"):
        html = _engine.get_template("contractor/link.html").render(Context(context))
    response = HttpResponse(html, status=status)
    response["Referrer-Policy"] = "no-referrer"
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex"
    return response


def _scheduled_for(value: str) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise DomainValidationError.single("scheduled_for", "Geef een geldige datum.") from exc
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


@csrf_exempt
@require_http_methods(["GET", "POST"])
@token_lookup_throttled
def assignment_link_view(request: HttpRequest, token: str) -> HttpResponse:
    link = link_by_token(token)
    if link is None:
        return _render(request, link=None, status=404)
    if request.method == "GET":
        link_touch(link=link)
        return _render(request, link=link)

    action = request.POST.get("action", "")
    contractor = link.assignment.contractor
    common: dict[str, Any] = {
        "assignment_id": link.assignment_id,
        "contractor": contractor,
        "actor": ActorRef.contractor(None),
    }
    try:
        if action == "accept":
            assignment_accept(**common)
        elif action == "reject":
            assignment_reject(**common, reason=request.POST.get("reason", ""))
        elif action == "progress":
            assignment_progress(
                **common,
                note=request.POST.get("note", ""),
                scheduled_for=_scheduled_for(request.POST.get("scheduled_for", "")),
            )
        elif action == "complete":
            resolution = request.POST.get("resolution") or Resolution.FIXED
            assignment_complete(
                **common,
                note=request.POST.get("note", ""),
                resolution=resolution,
                photos=photos_inspect(request.FILES.getlist("photos")),
            )
        else:
            raise DomainValidationError.single("action", "Onbekende actie.")
    except DomainValidationError as exc:
        return _render(
            request,
            link=link,
            status=400,
            error="Controleer de invoer.",
            field_errors=exc.errors,
        )
    except ConflictError as exc:
        return _render(request, link=link, status=409, error=exc.message)
    # Post/redirect/get: reloading the page does not repeat the step.
    return HttpResponseRedirect(f"{request.path}?done={action}", status=303)
