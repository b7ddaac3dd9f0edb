"""Throttles: the rates of settings.RATE_LIMITS, counted in Redis per client.

A refused request gets a 429 ``throttled`` in the API's error shape with ``Retry-After``
(DRF raises Throttled; errors.exception_handler shapes it); the schema documents it for every
view that has a throttle (schema_throttles.AutoSchema).
"""

from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.html import escape
from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle
from rest_framework.views import APIView

from backend.common.ratelimit import (
    Rate,
    Verdict,
    limits_take,
    rate_give_back,
    rate_take,
    rates_parse,
)

from .clients import client_network, client_subject
from .errors import ErrorCode, error_body, too_many_requests


def scope_rates(scope: str) -> tuple[Rate, ...]:
    return rates_parse(settings.RATE_LIMITS[scope])


def throttled_message(verdict: Verdict) -> str:
    return too_many_requests(verdict.retry_after_seconds)


class ScopeThrottle(BaseThrottle):
    """One scope of settings.RATE_LIMITS, per client (client_subject)."""

    scope: str

    def __init__(self) -> None:
        self.verdict = Verdict(allowed=True)

    def allow_request(self, request: Request, view: APIView) -> bool:
        self.verdict = rate_take(
            scope=self.scope, subject=client_subject(request), rates=scope_rates(self.scope)
        )
        return self.verdict.allowed

    def wait(self) -> float | None:
        return self.verdict.retry_after or None


class IntakeThrottle(ScopeThrottle):
    scope = "intake"


class ClassifyThrottle(ScopeThrottle):
    scope = "classify"


class FollowThrottle(ScopeThrottle):
    scope = "follow"


class AddressLookupThrottle(ScopeThrottle):
    scope = "address_lookup"


def token_lookup_verdict(request: HttpRequest | Request) -> Verdict:
    """A request with a secret token in its path, counted before the lookup against the lookup
    rate and, in advance, as a miss: past the miss rate a guesser is refused before it learns
    anything, and however many guesses it sends at once, no more than the rate get through.
    A lookup that finds its token gives the miss back (token_lookup_done)."""
    return limits_take(
        subject=client_network(request),
        limits=[
            ("token_lookup", scope_rates("token_lookup")),
            ("token_miss", scope_rates("token_miss")),
        ],
    )


def token_lookup_done(request: HttpRequest | Request, *, status: int) -> None:
    """After a counted lookup: only one answered 404 stays a miss."""
    if status != 404:
        rate_give_back(
            scope="token_miss", subject=client_network(request), rates=scope_rates("token_miss")
        )


class TokenLookupThrottle(ScopeThrottle):
    scope = "token_lookup"

    def allow_request(self, request: Request, view: APIView) -> bool:
        self.verdict = token_lookup_verdict(request)
        # The view settles the miss counted in advance once it knows its answer.
        view.token_lookup_counted = self.verdict.allowed  # type: ignore[attr-defined]
        return self.verdict.allowed


# A view whose path carries a secret token (tracking, confirmation, unsubscribe): its lookups
# are throttled, and every one it answers with a 404 stays a miss of its client. (A comment,
# not a docstring: views inherit docstrings, and drf-spectacular publishes them.)
class TokenLookupView(APIView):
    throttle_classes: list[type[BaseThrottle]] = [TokenLookupThrottle]
    token_lookup_counted = False

    def finalize_response(self, request, response, *args, **kwargs):
        if self.token_lookup_counted:
            token_lookup_done(request, status=response.status_code)
        return super().finalize_response(request, response, *args, **kwargs)


def throttled_page(
    verdict: Verdict, title: tuple[str, str] = ("Te veel verzoeken", "Too many requests")
) -> HttpResponse:
    """A 429 for people (the contractor's link page, the admin login), with Retry-After."""
    seconds = verdict.retry_after_seconds
    html = (
        f'<!doctype html><html lang="nl"><head><meta charset="utf-8"><title>{escape(title[0])}'
        f"</title></head><body><main><h1>{escape(title[0])} / {escape(title[1])}</h1>"
        f"<p>Probeer het over {seconds} seconden opnieuw. Try again in {seconds} seconds.</p>"
        "</main></body></html>"
    )
    response = HttpResponse(html, status=429)
    response["Retry-After"] = str(seconds)
    return response


def throttled_json(verdict: Verdict, message: str = "", fields: dict | None = None) -> JsonResponse:
    message = message or throttled_message(verdict)
    response = JsonResponse(error_body(ErrorCode.THROTTLED, message, fields), status=429)
    response["Retry-After"] = str(verdict.retry_after_seconds)
    return response


def token_lookup_throttled(
    view: Callable[..., HttpResponse],
) -> Callable[..., HttpResponse]:
    """TokenLookupView's throttle for a plain Django view (the contractor's link page)."""

    @wraps(view)
    def throttled(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        verdict = token_lookup_verdict(request)
        if not verdict.allowed:
            if request.path.startswith("/api/"):
                return throttled_json(verdict)
            return throttled_page(verdict)
        response = view(request, *args, **kwargs)
        token_lookup_done(request, status=response.status_code)
        return response

    # As on a DRF view, so that whoever lists the throttled views finds this one too.
    throttled.throttle_classes = [TokenLookupThrottle]  # type: ignore[attr-defined]
    return throttled


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None, credentials: dict | None
) -> HttpResponse:
    """django-axes' answer to a locked-out login (AXES_LOCKOUT_CALLABLE): a 429 with
    Retry-After, in the API's error shape under /api/, else a page. Every attempt during the
    lockout starts the cool-off again (axes' default), so the whole cool-off is the wait."""
    verdict = Verdict(allowed=False, retry_after=settings.AXES_COOLOFF_TIME.total_seconds())
    message = "Too many failed logins; try again later."
    if request.path.startswith("/api/"):
        return throttled_json(verdict, message, {"username": [message]})
    return throttled_page(verdict, ("Te veel mislukte aanmeldingen", "Too many failed logins"))
