"""The resident's web app: the report form at `/` (a plain form post without JavaScript) and
the report page `/r/{tracking_token}/` with its answers (reply, feedback, mail unsubscribe).

The pages call the same services as the API; with JavaScript the form posts to the API itself
(frontend_api/public) through the service worker's outbox. The tracking token in the path is
the only credential of the report page's forms, as in the API, so they need no CSRF token.
"""

import uuid
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import render
from django.utils.datastructures import MultiValueDict
from django.utils.dateparse import parse_datetime
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from backend.common.errors import ConflictError, DomainValidationError
from backend.common.ratelimit import rate_take
from backend.notifications.selectors import feedback_open, reporter_mail_subscription
from backend.notifications.services import (
    FeedbackWindowClosed,
    feedback_give,
    push_enabled,
    subscription_remove,
)
from backend.reports import storage
from backend.reports.models import Report
from backend.reports.services import report_create, report_reply
from backend.reports.tracking import tracking_token_of
from backend.reports.workflow import Status, status_text
from backend.taxonomy.selectors import category_tree
from frontend_api.common.clients import client_network
from frontend_api.common.throttling import (
    scope_rates,
    throttled_page,
    token_lookup_throttled,
)
from frontend_api.public.feedback import FeedbackInputSerializer
from frontend_api.public.reply import ReplyInputSerializer
from frontend_api.public.representations import public_report
from frontend_api.public.serializers import ReportCreateInputSerializer
from frontend_api.public.tracking import report_for_token

from .addresses import address_locate, addresses_available

# The form's fields, as the API has them (and `address`, the alternative to lat/lon).
FORM_FIELDS = ("text", "lat", "lon", "address", "category", "email", "phone", "language")


def _page(request: HttpRequest, template: str, context: dict[str, Any], status: int = 200):
    # Django's Referrer-Policy (same-origin) stays: the report page's URL is its key and never
    # leaves for another origin, while "no-referrer" would send "Origin: null" with our own
    # form posts, which the CSRF check rightly refuses.
    return render(request, template, context, status=status)


def _form_context(
    request: HttpRequest, *, values: dict[str, str], errors: dict[str, list[str]]
) -> dict[str, Any]:
    return {
        "nav": "form",
        "values": values,
        "errors": errors,
        "categories": category_tree(),
        "allow_contact": values.get("allow_contact") == "on",
        # A fresh one per form: a form posted twice (a double tap, a reload) files one report.
        "idempotency_key": values.get("idempotency_key") or uuid.uuid4().hex,
        "map_tile_url": settings.MAP_TILE_URL,
        "map_tile_attribution": settings.MAP_TILE_ATTRIBUTION,
        "max_photos": settings.PHOTO_MAX_COUNT,
        "addresses": addresses_available(),
    }


def _form_data(request: HttpRequest, values: dict[str, str]) -> MultiValueDict[str, Any]:
    """The post as the API's input serializer reads it (a form): empty fields left out."""
    data: MultiValueDict[str, Any] = MultiValueDict()
    for name in ("text", "lat", "lon", "category", "email", "phone", "language"):
        if values.get(name):
            data[name] = values[name]
    if values.get("allow_contact") == "on":
        data["allow_contact"] = "true"
    data["source"] = Report.Source.WEB
    data.setlist("photos", request.FILES.getlist("photos"))
    return data


@require_http_methods(["GET", "POST"])
def report_form(request: HttpRequest) -> HttpResponse:
    """GET: the three steps. POST (the form without JavaScript): file it, or show the form
    again with each error beside its field and what was typed kept."""
    if request.method == "GET":
        return _page(request, "resident/form.html", _form_context(request, values={}, errors={}))
    verdict = rate_take(
        scope="intake", subject=client_network(request), rates=scope_rates("intake")
    )
    if not verdict.allowed:
        return throttled_page(verdict)
    values = {name: request.POST.get(name, "").strip() for name in FORM_FIELDS}
    values["allow_contact"] = request.POST.get("allow_contact", "")
    values["idempotency_key"] = request.POST.get("idempotency_key", "")[:64]
    errors: dict[str, list[str]] = {}
    if values["address"] and not (values["lat"] or values["lon"]):
        found = address_locate(values["address"])
        if found is None:
            errors["address"] = [_("We do not know this address; check it, or use the map.")]
        else:
            values["lat"], values["lon"] = f"{found[0]:.6f}", f"{found[1]:.6f}"
    serializer = ReportCreateInputSerializer(data=_form_data(request, values))
    if not errors and serializer.is_valid():
        try:
            result = report_create(
                **serializer.validated_data,
                language_hint=get_language(),
                idempotency_key=values["idempotency_key"] or None,
            )
        except DomainValidationError as exc:
            errors = exc.errors
        else:
            token = tracking_token_of(result.report) or ""
            return HttpResponseRedirect(f"/r/{token}/")
    else:
        errors = {**_field_errors(serializer.errors if not errors else {}), **errors}
    if "address" in errors or values["address"]:
        # The place came from the address: its errors belong beside that field.
        for name in ("lat", "lon"):
            if name in errors:
                errors.setdefault("address", errors.pop(name))
    context = _form_context(request, values=values, errors=errors)
    return _page(request, "resident/form.html", context, status=400)


def _field_errors(raw: Any) -> dict[str, list[str]]:
    """DRF's errors as {field: [message]}, a photo's (photos.N) under `photos`."""
    out: dict[str, list[str]] = {}
    for name, messages in (raw or {}).items():
        if isinstance(messages, dict):  # per list item
            flat = [str(m) for item in messages.values() for m in item]
        else:
            flat = [str(m) for m in messages]
        field = "place" if name == "non_field_errors" else name
        out.setdefault(field, []).extend(flat)
    return out


def _report_context(request: HttpRequest, report: Report, token: str) -> dict[str, Any]:
    public = public_report(report)
    subscription = reporter_mail_subscription(report.id)
    return {
        "token": token,
        "report": report,
        "status_text": status_text(report.status, report.language, report.resolution or None),
        "photos": [
            {"url": storage.media_url(p.file), "width": p.width, "height": p.height}
            for p in public.photos
        ],
        "photos_processing": public.photos_processing,
        "timeline": [
            {**event, "when": parse_datetime(event["at"])} for event in reversed(public.timeline)
        ],
        "can_reply": report.status == Status.INFO_REQUESTED,
        "can_give_feedback": feedback_open(report),
        "mail_subscribed": subscription is not None,
        "push_enabled": push_enabled(),
        "done": request.GET.get("done", ""),
        "websocket_path": f"/ws/v1/reports/{token}/",
    }


@require_GET
@token_lookup_throttled
def report_page(request: HttpRequest, tracking_token: str) -> HttpResponse:
    report = _report_or_page(request, tracking_token)
    if isinstance(report, HttpResponse):
        return report
    if request.headers.get("HX-Request") == "true":
        # The live part, fetched again when the socket says something happened.
        return _page(
            request, "resident/_status.html", _report_context(request, report, tracking_token)
        )
    return _page(request, "resident/report.html", _report_context(request, report, tracking_token))


def _report_or_page(request: HttpRequest, token: str) -> Report | HttpResponse:
    try:
        return report_for_token(token)
    except Http404:
        return _page(request, "resident/not_found.html", {}, status=404)


def _back(token: str, done: str) -> HttpResponseRedirect:
    return HttpResponseRedirect(f"/r/{token}/?done={done}#{done}")


def _report_with_errors(
    request: HttpRequest, report: Report, token: str, errors: dict[str, Any], status: int = 400
) -> HttpResponse:
    context = _report_context(request, report, token)
    context["errors"] = _field_errors(errors)
    context["values"] = {"text": request.POST.get("text", "")}
    return _page(request, "resident/report.html", context, status=status)


@csrf_exempt
@require_POST
@token_lookup_throttled
def report_reply_post(request: HttpRequest, tracking_token: str) -> HttpResponse:
    report = _report_or_page(request, tracking_token)
    if isinstance(report, HttpResponse):
        return report
    data: MultiValueDict[str, Any] = MultiValueDict({"text": [request.POST.get("text", "")]})
    data.setlist("photos", request.FILES.getlist("photos"))
    serializer = ReplyInputSerializer(data=data)
    if not serializer.is_valid():
        return _report_with_errors(request, report, tracking_token, serializer.errors)
    try:
        report_reply(report_id=report.id, **serializer.validated_data)
    except ConflictError as exc:
        return _report_with_errors(request, report, tracking_token, {"text": [exc.message]}, 409)
    except DomainValidationError as exc:
        return _report_with_errors(request, report, tracking_token, exc.errors)
    return _back(tracking_token, "reply")


@csrf_exempt
@require_POST
@token_lookup_throttled
def report_feedback_post(request: HttpRequest, tracking_token: str) -> HttpResponse:
    report = _report_or_page(request, tracking_token)
    if isinstance(report, HttpResponse):
        return report
    # The form's fields as posted (strings): the serializer reads them as a form, not JSON.
    data = QueryDict(mutable=True)
    data["satisfied"] = request.POST.get("satisfied", "")
    data["text"] = request.POST.get("text", "")
    serializer = FeedbackInputSerializer(data=data)
    if not serializer.is_valid():
        return _report_with_errors(request, report, tracking_token, serializer.errors)
    try:
        feedback_give(report_id=report.id, **serializer.validated_data)
    except (ConflictError, FeedbackWindowClosed) as exc:
        message = exc.message if isinstance(exc, ConflictError) else str(exc)
        return _report_with_errors(
            request, report, tracking_token, {"satisfied": [message]}, status=409
        )
    return _back(tracking_token, "feedback")


@csrf_exempt
@require_POST
@token_lookup_throttled
def report_unsubscribe_post(request: HttpRequest, tracking_token: str) -> HttpResponse:
    """The resident who made the report wants no more mail about it."""
    report = _report_or_page(request, tracking_token)
    if isinstance(report, HttpResponse):
        return report
    subscription = reporter_mail_subscription(report.id)
    if subscription is not None:
        subscription_remove(subscription=subscription)
    return _back(tracking_token, "unsubscribed")
