"""What the contractor API answers with, where an answer is more than one domain object.

What a contractor sees of the report itself is ContractorReportSerializer's allow-list.
"""

from dataclasses import dataclass

from backend.contractors.models import Assignment
from backend.contractors.selectors import assignment_photos
from backend.reports.models import Attachment
from frontend_api.common.representations import ReadsThrough


@dataclass(frozen=True)
class AssignmentPage:
    next: str | None
    previous: str | None
    results: list[Assignment]


@dataclass(frozen=True)
class AssignmentDetail(ReadsThrough):
    reads_through = "assignment"

    assignment: Assignment
    photos: list[Attachment]  # the report's, processed
    after_photos: list[Attachment]  # the contractor's own, processed
    after_photos_processing: int


def assignment_detail(assignment: Assignment) -> AssignmentDetail:
    photos = assignment_photos(assignment)
    return AssignmentDetail(
        assignment=assignment,
        photos=photos["before"],
        after_photos=photos["after"],
        after_photos_processing=Attachment.objects.filter(
            report_id=assignment.report_id,
            kind=Attachment.Kind.CONTRACTOR,
            state=Attachment.State.PENDING,
        ).count(),
    )
