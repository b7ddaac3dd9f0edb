"""Reacting to committed report events."""

from backend.reports.models import ReportEvent

from .services import suggestion_record


def record_suggestions(events: list[ReportEvent]) -> None:
    """A new report whose resident chose the category still gets the model's suggestion on
    record, from the worker rather than the resident's request."""
    for event in events:
        if event.type == ReportEvent.Type.CREATED:
            suggestion_record(report_id=event.report_id)
