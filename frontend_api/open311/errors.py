"""Open311's errors: the HTTP status carries the meaning (400 bad input, 403 a missing or wrong
api_key, 404 nothing there), the body a list of `{code, description}` (XML:
`<errors><error><code/><description/></error></errors>`), never our own error shape: Open311
clients parse theirs."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from rest_framework import exceptions
from rest_framework.response import Response

from backend.common.errors import ConflictError, DomainValidationError, LimitReached

from ..common.errors import too_many_requests


class Open311Error(Exception):
    def __init__(self, status_code: int, description: str):
        super().__init__(description)
        self.status_code = status_code
        self.description = description


def error_list(status_code: int, descriptions: list[str]) -> list[dict]:
    return [{"code": status_code, "description": text} for text in descriptions]


def _field_messages(errors: dict | list, prefix: str = "") -> list[str]:
    if isinstance(errors, list):
        found: list[str] = []
        for entry in errors:
            if isinstance(entry, dict | list):
                found += _field_messages(entry, prefix)
            else:
                found.append(f"{prefix}: {entry}" if prefix else str(entry))
        return found
    found = []
    for field, inner in errors.items():
        name = f"{prefix}.{field}" if prefix else str(field)
        found += _field_messages(inner if isinstance(inner, dict | list) else [inner], name)
    return found


def open311_exception_handler(exc, context) -> Response | None:
    headers: dict[str, str] = {}
    if isinstance(exc, Open311Error):
        code, texts = exc.status_code, [exc.description]
    elif isinstance(exc, exceptions.ValidationError):
        code, texts = 400, _field_messages(exc.detail)
    elif isinstance(exc, DomainValidationError):
        code, texts = 400, _field_messages(exc.errors)
    elif isinstance(exc, ConflictError):
        code, texts = 400, [exc.message]
    elif isinstance(exc, Http404 | exceptions.NotFound):
        code, texts = 404, ["Not found."]
    elif isinstance(exc, exceptions.Throttled):
        wait = max(1, int(getattr(exc, "wait", None) or 1))
        code, texts = 429, [too_many_requests(wait)]
        headers["Retry-After"] = str(wait)
    elif isinstance(exc, LimitReached):
        wait = max(1, int(exc.retry_after))
        code, texts = 429, [exc.message]
        headers["Retry-After"] = str(wait)
    elif isinstance(exc, exceptions.PermissionDenied | DjangoPermissionDenied):
        code, texts = 403, [str(getattr(exc, "detail", exc)) or "Forbidden."]
    elif isinstance(exc, exceptions.APIException):
        code, texts = (
            exc.status_code,
            _field_messages(exc.detail if isinstance(exc.detail, dict | list) else [exc.detail]),
        )
    else:
        return None
    return Response(error_list(code, texts), status=code, headers=headers)
