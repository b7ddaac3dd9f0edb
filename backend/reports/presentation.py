"""What a resident may see of a report's history: one shape for the timeline and for pushes."""

from typing import Any

from backend.common.times import timestamp_text

from .catalogue import public_part
from .models import Report, ReportEvent
from .workflow import status_text


def public_event(event: ReportEvent, report: Report) -> dict[str, Any]:
    """An event as the resident sees it, in the report's language.

    Built from the public payload only, so nothing internal can leak through it.
    """
    part = public_part(event)
    return {
        "seq": event.seq,
        "type": event.type,
        "status": part.status,
        "status_text": status_text(part.status, report.language, part.resolution or None)
        if part.status
        else "",
        "text": part.text,
        "at": timestamp_text(event.created_at),
    }
