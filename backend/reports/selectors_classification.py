"""Reads of reports for the classifier: its training data and how it does on live reports.

The classification engine knows nothing of reports: the composition root names this module
as its source of labels (settings.CLASSIFIER_LABELS: `labelled_examples`,
`labelled_count_since`), and the staff API reads the live accuracy here.
"""

from datetime import datetime

from django.db.models import Count, F, Q

from .models import Report


def labelled_examples() -> list[tuple[str, str]]:
    """(text, category path) of every report whose category a dispatcher set or confirmed:
    the classifier's training data beyond its seed corpus."""
    return list(
        Report.objects.filter(category_verified=True, category__isnull=False).values_list(
            "text", "category__path"
        )
    )


def live_accuracy() -> list[dict]:
    """Per suggested category: how many intake suggestions set a report's category, and how
    many of those a dispatcher later changed. The share changed is the model's live error."""
    rows = (
        Report.objects.filter(suggestion_applied=True)
        .values(slug=F("suggested_category__path"))
        .annotate(
            applied=Count("id"),
            changed=Count("id", filter=~Q(category_id=F("suggested_category_id"))),
            verified=Count("id", filter=Q(category_verified=True)),
        )
        .order_by("slug")
    )
    return [
        {
            **row,
            "share_changed": round(row["changed"] / row["applied"], 4) if row["applied"] else 0.0,
        }
        for row in rows
    ]


def labelled_count_since(when: datetime | None) -> int:
    """Reports dispatchers labelled after `when` (a version's training): what a retrain would
    add. Counted by last change, so a report labelled earlier and touched since counts too: a
    retrain may come a little early, never late."""
    qs = Report.objects.filter(category_verified=True)
    if when is not None:
        qs = qs.filter(updated_at__gt=when)
    return qs.count()
