"""What the resident's API answers with, where an answer is more than one domain object.

The output serializers in serializers.py read these; what one of them does not hold itself
it reads from the report (or category, subscription) it wraps.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings

from backend.classification.predict import Prediction
from backend.notifications.models import Subscription
from backend.notifications.services import follow_token_for
from backend.reports.models import Attachment, Report
from backend.reports.presentation import public_event
from backend.reports.selectors import (
    NearbyReport,
    report_photo_counts,
    report_public_events,
    report_ready_photos,
)
from backend.reports.tracking import tracking_token_of
from backend.taxonomy.models import Category
from backend.taxonomy.selectors import category_by_path
from frontend_api.common.representations import ReadsThrough


@dataclass(frozen=True)
class PublicLinks:
    self_url: str  # "self" in the body
    websocket: str


def public_links(report: Report) -> PublicLinks:
    # A report reached by its token was made with a configured secret, so it has one.
    token = tracking_token_of(report) or ""
    base = settings.PUBLIC_BASE_URL
    ws_base = "ws" + base[4:] if base.startswith("http") else base
    return PublicLinks(
        self_url=f"{base}/api/v1/public/reports/{token}/",
        websocket=f"{ws_base}/ws/v1/reports/{token}/",
    )


@dataclass(frozen=True)
class PossibleDuplicate:
    """Another resident's report like the new one, nearby: no text, and its id only as a
    follow token. Told in the new report's language."""

    category: Category | None  # the new report's: the same category by definition
    status: str
    language: str
    distance_m: float
    created_at: datetime
    follow_token: str
    resolution: str = ""  # not known of another's report: its status goes without it


@dataclass(frozen=True)
class CreatedReport(ReadsThrough):
    reads_through = "report"

    report: Report
    photos_received: int  # in this request; they are processed after the answer
    possible_duplicates: list[PossibleDuplicate]

    @property
    def tracking_token(self) -> str:
        return tracking_token_of(self.report) or ""

    @property
    def links(self) -> PublicLinks:
        return public_links(self.report)


def created_report(
    report: Report, *, photos_received: int, nearby: list[NearbyReport]
) -> CreatedReport:
    return CreatedReport(
        report=report,
        photos_received=photos_received,
        possible_duplicates=[
            PossibleDuplicate(
                category=report.category,
                status=other.status,
                language=report.language,
                distance_m=other.distance_m,
                created_at=other.created_at,
                follow_token=follow_token_for(other.id),
            )
            for other in nearby
        ],
    )


@dataclass(frozen=True)
class PublicReport(ReadsThrough):
    reads_through = "report"

    report: Report
    photos: list[Attachment]  # processed ones
    photos_processing: int
    timeline: list[dict[str, Any]]  # public_event()s, the shape pushes have too

    @property
    def links(self) -> PublicLinks:
        return public_links(self.report)


def public_report(report: Report) -> PublicReport:
    return PublicReport(
        report=report,
        photos=list(report_ready_photos(report)),
        photos_processing=report_photo_counts(report)[Attachment.State.PENDING],
        timeline=[public_event(event, report) for event in report_public_events(report)],
    )


@dataclass(frozen=True)
class SuggestedCategory(ReadsThrough):
    reads_through = "category"

    category: Category
    probability: float


@dataclass(frozen=True)
class Classification:
    suggestions: list[SuggestedCategory]
    model_version: str


def classification(prediction: Prediction) -> Classification:
    suggestions = []
    for suggestion in prediction.subs:
        category = category_by_path(suggestion.slug)
        if category is None:  # a category retired since the model was trained
            continue
        suggestions.append(SuggestedCategory(category=category, probability=suggestion.probability))
    return Classification(suggestions=suggestions, model_version=prediction.model_version)


@dataclass(frozen=True)
class SubscriptionAnswer(ReadsThrough):
    reads_through = "subscription"

    subscription: Subscription
    created: bool  # False: this subscription already existed

    @property
    def confirmed(self) -> bool:
        return self.subscription.confirmed_at is not None
