"""What the dispatchers' API answers with, where an answer is more than one domain object.

The output serializers read these; what one of them does not hold itself it reads from the
report (or rule set) it wraps.
"""

from dataclasses import dataclass

from django.db.models import QuerySet

from backend.reports.models import Attachment, Report, WorkQueue
from backend.reports.selectors import report_area_labels, report_photo_counts, report_ready_photos
from backend.reports.selectors_map import MapPoint
from backend.reports.services import BulkOutcome
from backend.reports.workflow import Actor, allowed_targets
from backend.routing.models import RuleSet
from frontend_api.common.representations import ReadsThrough


@dataclass(frozen=True)
class ReportPage:
    count: int
    count_is_estimate: bool
    page_size: int
    next: str | None
    previous: str | None
    results: list[Report]


@dataclass(frozen=True)
class StaffReportDetail(ReadsThrough):
    reads_through = "report"

    report: Report
    areas: list[str]  # "type:code"
    photos: list[Attachment]  # processed ones
    photos_failed: int
    photos_processing: int
    allowed_transitions: list[str]
    # The resident's contact details, None for a user who may not see them.
    reporter_email: str | None
    reporter_phone: str | None


def staff_report_detail(report: Report, *, contact: bool) -> StaffReportDetail:
    photos = report_photo_counts(report)
    return StaffReportDetail(
        report=report,
        reporter_email=report.reporter_email if contact else None,
        reporter_phone=report.reporter_phone if contact else None,
        areas=report_area_labels(report),
        photos=list(report_ready_photos(report)),
        photos_failed=photos[Attachment.State.FAILED],
        photos_processing=photos[Attachment.State.PENDING],
        allowed_transitions=allowed_targets(report.status, Actor.STAFF),
    )


@dataclass(frozen=True)
class DuplicateCandidateRow(ReadsThrough):
    """A possible duplicate: the report, and how far it lies from the one asked about."""

    reads_through = "report"

    report: Report
    distance_m: float


@dataclass(frozen=True)
class RuleSetOverview:
    active: RuleSet | None
    versions: QuerySet[RuleSet]  # the latest, newest first


@dataclass(frozen=True)
class RuleSetLoaded(ReadsThrough):
    reads_through = "ruleset"

    ruleset: RuleSet
    created: bool  # False: this content was loaded before; that version is active again


@dataclass(frozen=True)
class BulkResults:
    results: list[BulkOutcome]


@dataclass(frozen=True)
class QueueWithCount(ReadsThrough):
    reads_through = "queue"

    queue: WorkQueue
    count: int | None  # None: its saved filter no longer validates (a department removed)
    count_is_estimate: bool
    mine: bool


@dataclass(frozen=True)
class MapAnswer:
    features: list[MapPoint]
    clustered: bool
    truncated: bool
    type: str = "FeatureCollection"
