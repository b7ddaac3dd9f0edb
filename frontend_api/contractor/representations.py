"""What a contractor sees of an assignment. Built from an allow-list of report fields: the
resident's e-mail and phone are never among them."""

from typing import Any

from django.utils import timezone

from backend.contractors.models import Assignment
from backend.contractors.selectors import assignment_photos
from backend.reports import storage
from backend.reports.models import Attachment, Report


def _report(report: Report) -> dict[str, Any]:
    category = report.category
    return {
        "id": report.id,
        "text": report.text,
        "category": (
            {"slug": category.path, "name_nl": category.name_nl, "name_en": category.name_en}
            if category
            else None
        ),
        "priority": report.priority,
        "status": report.status,
        "location": {"lat": report.location.y, "lon": report.location.x},
        "deadline": report.deadline,
        "overdue": bool(
            report.deadline and report.closed_at is None and report.deadline < timezone.now()
        ),
        "created_at": report.created_at,
    }


def _photo(attachment: Attachment) -> dict[str, Any]:
    return {
        "url": storage.media_url(attachment.file),
        "thumbnail_url": storage.media_url(attachment.thumbnail),
        "width": attachment.width,
        "height": attachment.height,
    }


def assignment_summary(assignment: Assignment) -> dict[str, Any]:
    return {
        "id": assignment.id,
        "state": assignment.state,
        "offered_at": assignment.offered_at,
        "accepted_at": assignment.accepted_at,
        "finished_at": assignment.finished_at,
        "scheduled_for": assignment.scheduled_for,
        "report": _report(assignment.report),
    }


def assignment_detail(assignment: Assignment) -> dict[str, Any]:
    photos = assignment_photos(assignment)
    return {
        **assignment_summary(assignment),
        "photos": [_photo(p) for p in photos["before"]],
        "after_photos": [_photo(p) for p in photos["after"]],
        "after_photos_processing": Attachment.objects.filter(
            report_id=assignment.report_id,
            kind=Attachment.Kind.CONTRACTOR,
            state=Attachment.State.PENDING,
        ).count(),
        "reject_reason": assignment.reject_reason,
        "progress_note": assignment.progress_note,
        "completion_note": assignment.completion_note,
        "resolution": assignment.resolution,
        "withdraw_reason": assignment.withdraw_reason,
    }
