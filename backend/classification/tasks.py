import logging

from celery import shared_task
from django.conf import settings

from .models import ClassifierModel
from .selectors import labelled_reports_since
from .services import classifier_train

logger = logging.getLogger(__name__)


@shared_task
def classifier_retrain_weekly() -> str:
    """Retrain when dispatchers labelled enough reports since the active version."""
    active = ClassifierModel.objects.filter(is_active=True).defer("artifact").first()
    new = labelled_reports_since(active)
    if active is not None and new < settings.CLASSIFIER_RETRAIN_MIN_NEW_EXAMPLES:
        return f"skipped: {new} new labelled reports"
    result = classifier_train()
    logger.info("classifier retrained: %s (%s)", result.model.version, result.reason)
    return f"{result.model.version}: {result.reason}"
