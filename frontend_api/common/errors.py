"""One JSON shape for every error:

    {"error": {"code": "invalid", "message": "...", "fields": {"lat": ["..."]}}}

``fields`` names each offending input; request-wide problems (bad JSON) use ``body``.
``code`` is one of ErrorCode: clients branch on it, so a new one is added there first.
Messages are in the request's language (Accept-Language: nl or en, Dutch otherwise); codes
and field names are the same in every language.
"""

import math
from enum import StrEnum

from django.core.exceptions import (
    DisallowedHost,
    PermissionDenied,
    RequestDataTooBig,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from django.views.defaults import bad_request as django_bad_request
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from backend.common.errors import ConflictError, DomainValidationError, LimitReached
from backend.reports.services import IdempotencyKeyReused


class ErrorCode(StrEnum):
    """Every ``error.code`` the API sends."""

    # Input and state
    INVALID = "invalid"  # 400: `fields` names each offending input
    PARSE_ERROR = "parse_error"  # 400: the body is not the JSON (or form) it claims to be
    UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type"  # 415
    IDEMPOTENCY_KEY_REUSED = "idempotency_key_reused"  # 422: the key came with another body
    INVALID_RULESET = "invalid_ruleset"  # 400: a routing rule set, refused as a whole
    CONFLICT = "conflict"  # 409: not allowed in the report's (or assignment's) state
    GONE = "gone"  # 410: the feedback window has passed
    NOT_FOUND = "not_found"  # 404
    BAD_REQUEST = "bad_request"  # 400: the request itself is unusable (its Host, its parts)
    TOO_LARGE = "too_large"  # 413: the body is larger than any request of ours may be
    # This server
    CLASSIFIER_UNAVAILABLE = "classifier_unavailable"  # 503: no classifier is active yet
    PUSH_UNAVAILABLE = "push_unavailable"  # 503: web push is not configured
    SERVER_ERROR = "server_error"  # 500
    # DRF's own exceptions keep DRF's code for them (exception_handler passes it on).
    NOT_AUTHENTICATED = "not_authenticated"  # 401
    AUTHENTICATION_FAILED = "authentication_failed"  # 401: an unknown or revoked token
    PERMISSION_DENIED = "permission_denied"  # 403
    METHOD_NOT_ALLOWED = "method_not_allowed"  # 405
    NOT_ACCEPTABLE = "not_acceptable"  # 406: the client accepts no JSON
    # 429, with Retry-After: too many requests from this client (settings.RATE_LIMITS), too
    # many confirmation mails to an address (`fields` names it), too many failed logins
    THROTTLED = "throttled"
    ERROR = "error"  # an APIException with no code of its own


def error_body(
    code: ErrorCode, message: str, fields: dict | None = None, extra: dict | None = None
) -> dict:
    error: dict = {"code": code.value, "message": message}
    if fields:
        error["fields"] = fields
    error.update(extra or {})
    return {"error": error}


def _flatten(detail, prefix: str = "") -> dict[str, list[str]]:
    """DRF nests errors for lists and nested objects; flatten to "photos.0"-style names."""
    out: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = "body" if key in ("non_field_errors", "detail") and not prefix else str(key)
            out.update(_flatten(value, f"{prefix}.{name}" if prefix else name))
    elif isinstance(detail, list):
        if all(not isinstance(item, (dict, list)) for item in detail):
            out[prefix or "body"] = [str(item) for item in detail]
        else:
            for index, item in enumerate(detail):
                out.update(_flatten(item, f"{prefix}.{index}" if prefix else str(index)))
    else:
        out[prefix or "body"] = [str(detail)]
    return out


def exception_handler(exc, context):
    if isinstance(exc, IdempotencyKeyReused):
        ((message,),) = exc.errors.values()
        return Response(
            error_body(ErrorCode.IDEMPOTENCY_KEY_REUSED, message, exc.errors),
            status=status.HTTP_422_UNPROCESSABLE_ENTITY,
        )
    if isinstance(exc, DomainValidationError):
        return Response(
            error_body(ErrorCode.INVALID, _("The request has invalid fields."), exc.errors),
            status=status.HTTP_400_BAD_REQUEST,
        )
    if isinstance(exc, LimitReached):
        return Response(
            error_body(ErrorCode.THROTTLED, exc.message, {exc.field: [exc.message]}),
            status=status.HTTP_429_TOO_MANY_REQUESTS,
            headers={"Retry-After": str(max(1, math.ceil(exc.retry_after)))},
        )
    if isinstance(exc, ConflictError):
        return Response(
            error_body(ErrorCode.CONFLICT, exc.message, extra=exc.details),
            status=status.HTTP_409_CONFLICT,
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()

    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        response.data = error_body(
            ErrorCode.INVALID, _("The request has invalid fields."), _flatten(exc.detail)
        )
    elif isinstance(exc, exceptions.ParseError):
        response.data = error_body(
            ErrorCode.PARSE_ERROR, str(exc.detail), {"body": [str(exc.detail)]}
        )
    elif isinstance(exc, exceptions.UnsupportedMediaType):
        response.data = error_body(
            ErrorCode.UNSUPPORTED_MEDIA_TYPE, str(exc.detail), {"Content-Type": [str(exc.detail)]}
        )
    elif isinstance(exc, exceptions.Throttled):
        # DRF's own words ("Request was throttled. Expected available in ...") are half
        # translated; ours say the same in the language asked for.
        seconds = max(1, math.ceil(getattr(exc, "wait", None) or 1))
        response.data = error_body(ErrorCode.THROTTLED, too_many_requests(seconds))
    elif isinstance(exc, exceptions.APIException):
        detail = exc.detail
        message = str(detail) if not isinstance(detail, (dict, list)) else _("Request failed.")
        response.data = error_body(_drf_code(exc), message)
    return response


def too_many_requests(seconds: int) -> str:
    return _("Too many requests; try again in %(seconds)d s.") % {"seconds": seconds}


def _drf_code(exc: exceptions.APIException) -> ErrorCode:
    try:
        return ErrorCode(exc.default_code)
    except ValueError:
        # Another library's exception: its code is no promise of ours.
        return ErrorCode.ERROR


def not_found_view(request, exception=None):
    return JsonResponse(error_body(ErrorCode.NOT_FOUND, _("Not found.")), status=404)


# Where every answer is JSON: the API and the health check the schema describes with it, and
# the standards' APIs, whose clients parse their own error shapes.
JSON_PATHS = ("/api/", "/health/")
STANDARD_PATHS = ("/open311/", "/signals/")


def request_error_response(
    path: str, status_code: int, code: ErrorCode, message: str, field: str
) -> JsonResponse:
    """A refusal made before any view runs, in the shape the path's clients read: Open311's
    list of {code, description}, Signalen's (Django REST framework's) `detail`, or ours."""
    if path.startswith("/open311/"):
        entries = [{"code": status_code, "description": f"{field}: {message}"}]
        return JsonResponse(entries, status=status_code, safe=False)
    if path.startswith("/signals/"):
        return JsonResponse({"detail": message}, status=status_code)
    return JsonResponse(error_body(code, message, {field: [message]}), status=status_code)


def bad_request_view(request, exception=None):
    """Django's 400s (a Host not served here, too many form parts, a body over Django's limits)
    as JSON; the contractor link page and the admin keep Django's HTML page."""
    if not request.path.startswith(JSON_PATHS + STANDARD_PATHS):
        return django_bad_request(request, exception)
    if isinstance(exception, DisallowedHost):
        message = _("This server does not answer for that host.")
        return request_error_response(request.path, 400, ErrorCode.BAD_REQUEST, message, "Host")
    if isinstance(exception, RequestDataTooBig):
        return body_too_large_response(request.path)
    if isinstance(exception, TooManyFilesSent | TooManyFieldsSent):
        message = _("The request has more parts than any request of this API takes.")
    else:
        message = _("The request could not be read.")
    return request_error_response(request.path, 400, ErrorCode.BAD_REQUEST, message, "body")


def body_too_large_response(path: str = "") -> JsonResponse:
    message = _("The body is larger than any request of this API may be.")
    return request_error_response(path, 413, ErrorCode.TOO_LARGE, message, "body")


def server_error_view(request):
    return JsonResponse(
        error_body(ErrorCode.SERVER_ERROR, _("Something went wrong on our side.")), status=500
    )
