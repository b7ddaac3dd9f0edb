"""What a resident may see of a report's history: one shape for the timeline and for pushes."""

from typing import Any

from .models import Report, ReportEvent
from .workflow import status_text


def public_event(event: ReportEvent, report: Report) -> dict[str, Any]:
    """An event as the resident sees it, in the report's language.

    Built from the public payload only, so nothing internal can leak through it.
    """
    payload = event.public_payload
    status = payload.get("status", "")
    return {
        "seq": event.seq,
        "type": event.type,
        "status": status,
        "status_text": status_text(status, report.language, payload.get("resolution"))
        if status
        else "",
        "text": payload.get("text", ""),
        "at": event.created_at.isoformat(),
    }
