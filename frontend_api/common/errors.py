"""One JSON shape for every error:

    {"error": {"code": "invalid", "message": "...", "fields": {"lat": ["..."]}}}

``fields`` names each offending input; request-wide problems (bad JSON) use ``body``.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from backend.common.errors import ConflictError, DomainValidationError
from backend.reports.services import IdempotencyKeyReused


def error_body(
    code: str, message: str, fields: dict | None = None, extra: dict | None = None
) -> dict:
    error: dict = {"code": code, "message": message}
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
            error_body("idempotency_key_reused", message, exc.errors),
            status=status.HTTP_422_UNPROCESSABLE_ENTITY,
        )
    if isinstance(exc, DomainValidationError):
        return Response(
            error_body("invalid", "The request has invalid fields.", exc.errors),
            status=status.HTTP_400_BAD_REQUEST,
        )
    if isinstance(exc, ConflictError):
        return Response(
            error_body("conflict", exc.message, extra=exc.details), status=status.HTTP_409_CONFLICT
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
            "invalid", "The request has invalid fields.", _flatten(exc.detail)
        )
    elif isinstance(exc, exceptions.ParseError):
        response.data = error_body("parse_error", str(exc.detail), {"body": [str(exc.detail)]})
    elif isinstance(exc, exceptions.UnsupportedMediaType):
        response.data = error_body(
            "unsupported_media_type", str(exc.detail), {"Content-Type": [str(exc.detail)]}
        )
    elif isinstance(exc, exceptions.APIException):
        detail = exc.detail
        message = str(detail) if not isinstance(detail, (dict, list)) else "Request failed."
        response.data = error_body(exc.default_code, message)
    return response


def not_found_view(request, exception=None):
    return JsonResponse(error_body("not_found", "Not found."), status=404)


def server_error_view(request):
    return JsonResponse(error_body("server_error", "Something went wrong on our side."), status=500)
