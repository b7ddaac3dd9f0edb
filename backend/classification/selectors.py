from django.db.models import Count, F, Q, QuerySet

from backend.reports.models import Report

from .models import ClassifierModel


def classifier_versions() -> QuerySet[ClassifierModel]:
    return ClassifierModel.objects.defer("artifact").select_related("created_by")


def classifier_version(model_id: int) -> ClassifierModel | None:
    return classifier_versions().filter(pk=model_id).first()


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


def labelled_reports_since(model: ClassifierModel | None) -> int:
    """Reports dispatchers labelled after this version was trained: what a retrain would add.

    Counted by last change, so a report labelled earlier and touched since counts too: a
    retrain may come a little early, never late.
    """
    qs = Report.objects.filter(category_verified=True)
    if model is not None:
        qs = qs.filter(updated_at__gt=model.created_at)
    return qs.count()
