"""What a contractor may see of a report: its work, never the resident's contact details."""

from typing import Any

from django.conf import settings

from backend.common.times import timestamp_text, timestamp_text_or_none
from backend.reports.models import Report

from .models import Assignment


def _category(report: Report) -> dict[str, Any] | None:
    category = report.category
    if category is None:
        return None
    return {"slug": category.path, "name_nl": category.name_nl, "name_en": category.name_en}


def _address(report: Report) -> dict[str, Any] | None:
    address = report.address
    if address is None:
        return None
    return {
        "street": address.street,
        "number": address.number,
        "suffix": address.number_suffix,
        "postcode": address.postcode,
        "city": address.city,
        "display": address.display,
    }


def report_for_contractor(report: Report) -> dict[str, Any]:
    """Built field by field from an allow-list, so a new contact column cannot leak by default.
    The same fields as the contractor API's report (short id and nearest address included)."""
    return {
        "id": str(report.id),
        "short_id": report.short_id,
        "text": report.text,
        "category": _category(report),
        "priority": report.priority,
        "status": report.status,
        "location": {"lat": report.location.y, "lon": report.location.x},
        "address": _address(report),
        "deadline": timestamp_text_or_none(report.deadline),
        "created_at": timestamp_text(report.created_at),
    }


def assignment_for_webhook(assignment: Assignment) -> dict[str, Any]:
    return {
        "id": str(assignment.id),
        "state": assignment.state,
        "offered_at": timestamp_text(assignment.offered_at),
        "report": report_for_contractor(assignment.report),
        "url": f"{settings.PUBLIC_BASE_URL}/api/v1/contractor/assignments/{assignment.id}/",
    }
