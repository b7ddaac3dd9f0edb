"""Who may call Open311, and how often: the api_key a POST must carry (one per client
application, stored hashed), the jurisdiction when one is configured, and the per-key throttle."""

from django.conf import settings
from rest_framework import exceptions
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request
from rest_framework.views import APIView

from backend.accounts.selectors import open311_key_for
from backend.accounts.services import open311_key_touch
from backend.common.ratelimit import rate_take

from ..common.clients import client_network
from ..common.throttling import ScopeThrottle, scope_rates
from .errors import Open311Error


def _param(request: Request, name: str) -> str:
    value = request.query_params.get(name)
    if value is None and request.method not in SAFE_METHODS:
        value = request.data.get(name)
    return (value or "").strip()


def jurisdiction_check(request: Request) -> None:
    """Ignored unless the installation names its jurisdiction; then required and matched."""
    expected = settings.OPEN311_JURISDICTION_ID
    if not expected:
        return
    given = _param(request, "jurisdiction_id")
    if not given:
        raise Open311Error(400, "jurisdiction_id is required.")
    if given != expected:
        raise Open311Error(404, f"jurisdiction_id {given!r} not found.")


class HasOpen311Key(BasePermission):
    """Reads are open to anyone; a POST carries the api_key of a client application."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        if request.method in SAFE_METHODS or not hasattr(view, (request.method or "").lower()):
            return True  # a method the resource does not have is a 405, key or none
        subject = client_network(request)
        rates = scope_rates("open311_key_failure")
        # A client guessing keys is stopped before its next guess is looked up.
        failures = rate_take(
            scope="open311_key_failure", subject=subject, rates=rates, record=False
        )
        if not failures.allowed:
            raise exceptions.Throttled(wait=failures.retry_after)
        key = open311_key_for(key=_param(request, "api_key"))
        if key is None:
            rate_take(scope="open311_key_failure", subject=subject, rates=rates)
            raise Open311Error(403, "api_key is missing or not valid.")
        open311_key_touch(key=key)
        request.open311_key = key  # type: ignore[attr-defined]
        return True


class Open311KeyThrottle(ScopeThrottle):
    """Counts each client application's POSTs against its own rate, whoever it files for."""

    scope = "open311_key"

    def allow_request(self, request: Request, view: APIView) -> bool:
        key = getattr(request, "open311_key", None)
        if key is None:
            return True
        self.verdict = rate_take(
            scope=self.scope, subject=f"open311:{key.pk}", rates=scope_rates(self.scope)
        )
        return self.verdict.allowed


class SuffixNegotiation(BaseContentNegotiation):
    """The path's suffix alone chooses the format, as the spec says; an Accept header that
    asks for another is no reason to refuse (clients send `*/*` or nothing at all)."""

    def select_parser(self, request, parsers):
        for parser in parsers:
            if parser.media_type.split(";")[0] == (request.content_type or "").split(";")[0]:
                return parser
        return None

    def select_renderer(self, request, renderers, format_suffix=None):
        for renderer in renderers:
            if renderer.format == format_suffix:
                return renderer, renderer.media_type
        return renderers[0], renderers[0].media_type
