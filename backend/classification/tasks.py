import logging
from typing import Any

from celery import shared_task
from celery.signals import worker_init
from django.conf import settings
from django.db import connections

from .labels import labelled_count_since
from .models import ClassifierModel
from .predict import active_model
from .services import classifier_train

logger = logging.getLogger(__name__)


@shared_task
def classifier_retrain_weekly() -> str:
    """Retrain when dispatchers labelled enough reports since the active version."""
    active = ClassifierModel.objects.filter(is_active=True).defer("artifact").first()
    new = labelled_count_since(active.created_at if active else None)
    if active is not None and new < settings.CLASSIFIER_RETRAIN_MIN_NEW_EXAMPLES:
        return f"skipped: {new} new labelled reports"
    result = classifier_train()
    logger.info("classifier retrained: %s (%s)", result.model.version, result.reason)
    return f"{result.model.version}: {result.reason}"


@worker_init.connect
def _active_model_preload(sender: Any = None, **_: Any) -> None:
    """Load the active model once in the prefork parent, before it forks its children.

    Loading takes seconds; each child would otherwise pay it on its first report, and
    they share the parent's copy for free.
    """
    if "prefork" not in str(getattr(sender, "pool_cls", "")):
        return  # a solo or thread pool (tests) loads on first use, in its own process
    try:
        active_model.get()
    except Exception:  # a database not yet migrated: the children load it on first use
        logger.warning("active classifier not preloaded", exc_info=True)
    finally:
        # The children must not inherit an open connection.
        connections.close_all()
