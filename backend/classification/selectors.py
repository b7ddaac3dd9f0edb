from django.db.models import QuerySet

from .models import ClassifierModel


def classifier_versions() -> QuerySet[ClassifierModel]:
    return ClassifierModel.objects.defer("artifact").select_related("created_by")


def classifier_version(model_id: int) -> ClassifierModel | None:
    return classifier_versions().filter(pk=model_id).first()
