"""Reacting to committed report events."""

from backend.reports.models import ReportEvent

from .services import suggestions_record


def record_suggestions(events: list[ReportEvent]) -> None:
    """A new report whose resident chose the category still gets the model's suggestion on
    record, from the worker rather than the resident's request."""
    created = [event.report_id for event in events if event.type == ReportEvent.Type.CREATED]
    if created:
        suggestions_record(report_ids=created)
