"""Signalen's errors are Django REST framework's defaults, and apps written for Signalen parse
those: 400 `{"field": ["message"]}` (or `non_field_errors`), `{"detail": "..."}` otherwise.
Our domain's refusals are put in that shape here, not in our own API's."""

from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from backend.common.errors import ConflictError, DomainValidationError, LimitReached
from backend.notifications.services import FeedbackWindowClosed


def signalen_exception_handler(exc, context) -> Response | None:
    if isinstance(exc, DomainValidationError):
        return Response(exc.errors, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, ConflictError):
        # Signalen refuses a state change its workflow does not allow with a 400 on `status`.
        return Response({"status": [exc.message]}, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, FeedbackWindowClosed):
        return Response({"detail": "too late"}, status=status.HTTP_410_GONE)
    if isinstance(exc, LimitReached):
        wait = max(1, int(exc.retry_after))
        return Response(
            {"detail": exc.message},
            status=status.HTTP_429_TOO_MANY_REQUESTS,
            headers={"Retry-After": str(wait)},
        )
    return drf_exception_handler(exc, context)
