"""The reports the list's filters select, as CSV, streamed: rows leave as the database cursor
hands them over, so memory stays flat for a million of them."""

import asyncio
import csv
import threading
from collections.abc import AsyncIterator, Iterator
from types import SimpleNamespace
from typing import Any

from django.core.handlers.asgi import ASGIRequest
from django.db import connections as db_connections
from django.http import StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request

from backend.reports.search import reports_filtered
from backend.reports.selectors_overview import (
    CONTACT_COLUMNS,
    EXPORT_COLUMNS,
    reports_export_rows,
)
from frontend_api.common.serializers import ErrorSerializer

from .filters import ReportFilterSerializer, report_filters
from .views import StaffView, scope_of, staff_user

# Rows written per piece of the response: small enough to keep memory flat, large enough that
# the per-piece overhead (a thread hop under ASGI) does not count.
_ROWS_PER_PIECE = 2000


def _headers() -> dict[str, str]:
    """Column -> its header in the request's language (Dutch unless English was asked)."""
    return {
        "id": _("id"),
        "short_id": _("short id"),
        "address": _("address"),
        "created_at": _("created at"),
        "status": _("status"),
        "category": _("category"),
        "priority": _("priority"),
        "source": _("source"),
        "department": _("department"),
        "contractor": _("contractor"),
        "deadline": _("deadline"),
        "closed_at": _("closed at"),
        "lat": _("latitude"),
        "lon": _("longitude"),
        "text": _("text"),
        "email": _("e-mail"),
        "phone": _("phone"),
    }


class _Buffer:
    """csv.writer writes here; each piece is taken out whole."""

    def __init__(self) -> None:
        self.parts: list[str] = []

    def write(self, text: str) -> None:
        self.parts.append(text)

    def take(self) -> str:
        text = "".join(self.parts)
        self.parts.clear()
        return text


def _pieces(rows: Iterator[tuple[Any, ...]], header: list[str]) -> Iterator[str]:
    buffer = _Buffer()
    writer = csv.writer(buffer)
    writer.writerow(header)
    piece = 0
    for row in rows:
        writer.writerow(row)
        piece += 1
        if piece == _ROWS_PER_PIECE:
            yield buffer.take()
            piece = 0
    yield buffer.take()


_END = object()
# Pieces written ahead of the client: memory stays within this many.
_AHEAD = 4


async def _pieces_async(pieces: Iterator[str]) -> AsyncIterator[str]:
    """Under ASGI Django would read a sync iterator to the end before sending a byte (into
    memory). Here one thread of its own writes the pieces, with its own database connection
    holding the server-side cursor (closed when it is done), into a short queue the response
    reads from: the client's pace holds the thread back."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[Any] = asyncio.Queue(maxsize=_AHEAD)
    stop = threading.Event()

    def put(item: Any) -> None:
        asyncio.run_coroutine_threadsafe(queue.put(item), loop).result()

    def produce() -> None:
        try:
            for piece in pieces:
                put(piece)
                if stop.is_set():  # the client went away
                    break
        except Exception as exc:  # handed to the response, which raises it
            put(exc)
        finally:
            db_connections.close_all()  # this thread's, and only this thread's
            put(_END)

    threading.Thread(target=produce, name="csv-export", daemon=True).start()
    try:
        while (item := await queue.get()) is not _END:
            if isinstance(item, Exception):
                raise item
            yield item
    finally:
        stop.set()
        while not queue.empty():  # let a waiting put through, so the thread can stop
            queue.get_nowait()


class CSVRenderer(BaseRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        # Only errors are rendered (the rows are streamed past the renderers): as JSON text.
        return JSONRenderer().render(data)


class _AcceptOnly(DefaultContentNegotiation):
    # By Accept alone: `?format=` is no parameter of ours (unknown, so a 400 naming it), not
    # DRF's renderer switch, which answered an unknown value with a 404.
    settings = SimpleNamespace(URL_FORMAT_OVERRIDE=None)  # type: ignore[assignment]


class ReportExportView(StaffView):
    renderer_classes = [JSONRenderer, CSVRenderer]
    content_negotiation_class = _AcceptOnly

    @extend_schema(
        operation_id="staff_reports_export",
        parameters=[ReportFilterSerializer, OpenApiParameter("format", exclude=True)],
        responses={
            (200, "text/csv"): OpenApiResponse(
                OpenApiTypes.STR,
                description="One row per report, oldest first; headers in the request's "
                "language; e-mail and phone only for roles allowed to see contact details.",
            ),
            400: OpenApiResponse(ErrorSerializer, description="Invalid filter; names it."),
            401: ErrorSerializer,
            403: ErrorSerializer,
        },
        tags=["staff"],
    )
    def get(self, request: Request) -> StreamingHttpResponse:
        query = ReportFilterSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        matching = reports_filtered(report_filters(query.validated_data), scope=scope_of(request))
        columns = dict(EXPORT_COLUMNS)
        if staff_user(request).sees_contact_details:
            columns.update(CONTACT_COLUMNS)
        names = _headers()
        pieces = _pieces(
            reports_export_rows(matching, columns=columns), [names[c] for c in columns]
        )
        content = _pieces_async(pieces) if isinstance(request._request, ASGIRequest) else pieces
        response = StreamingHttpResponse(content, content_type="text/csv; charset=utf-8")
        stamp = timezone.now().strftime("%Y%m%d-%H%M")
        response["Content-Disposition"] = f'attachment; filename="meldingen-{stamp}.csv"'
        return response
