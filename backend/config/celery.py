import os
from typing import Any

from celery import Celery
from celery.signals import task_postrun, task_prerun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.config.settings")

app = Celery("meldpunt")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@task_prerun.connect
@task_postrun.connect
def _connections_tidy(sender: Any = None, **_: Any) -> None:
    """Around each task what Django does around each request: drop a connection that broke
    or outlived CONN_MAX_AGE, keep a good one (CELERY_DB_REUSE_MAX keeps Celery from closing
    them all). Not for a task run eagerly, inside its caller's transaction."""
    if getattr(getattr(sender, "request", None), "is_eager", False):
        return
    from django.db import close_old_connections

    close_old_connections()
