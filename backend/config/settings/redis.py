"""Redis carries three things: the Celery broker, the channel layer and the cache."""

from celery.schedules import crontab

from .env import env
from .meldpunt import OVERVIEW_CELLS_SECONDS, PHOTO_SWEEP_SECONDS

REDIS_URL = env.str("REDIS_URL", default="redis://127.0.0.1:6379/0")

CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Within a queue a worker takes the most urgent task first: the Redis transport keeps a list per
# step (0, 3, 6, 9; 0 the most urgent, and a message without a priority would count as 0) and a
# worker pops them in that order. Under a burst of intake the default queue holds hundreds of
# mail batches; the outbox drain that pushes to the residents' sockets, and the deliveries to
# contractors and push services, must not wait behind them. backend/common/dispatch.py sends
# each task with its priority (task attributes for it are deprecated, and a route's priority
# loses to the default).
CELERY_TASK_DEFAULT_PRIORITY = 6
TASK_PRIORITIES = {
    "backend.reports.tasks.outbox_drain": 0,
    "backend.reports.tasks.outbox_publish": 0,
    "backend.contractors.tasks.webhook_deliver": 3,
    "backend.contractors.tasks.assignment_link_send_task": 3,
    "backend.notifications.tasks.push_send": 3,
}
# Three queues, each with a worker of its own (scripts/run.sh, docker-compose.yml):
# - "celery", the default: what a resident or a contractor waits for (the outbox drain that
#   pushes to sockets, mail and web push, webhooks, link mails) and the sweeps that back it up;
# - "photos": photo processing (tens of milliseconds of CPU per photo), at lower priority;
# - "bookkeeping": what nobody waits for (the classifier's suggestion for a resident's own
#   category, the weekly retraining, pruning and erasure), at lower priority, so that under a
#   burst of intake the pushes never queue behind it.
_BOOKKEEPING = {"queue": "bookkeeping"}
CELERY_TASK_ROUTES = {
    "backend.reports.tasks.attachment_process_task": {"queue": "photos"},
    "backend.reports.tasks.suggestions_record_task": _BOOKKEEPING,
    "backend.reports.tasks.outbox_prune_published": _BOOKKEEPING,
    "backend.reports.tasks.idempotency_keys_expire": _BOOKKEEPING,
    "backend.reports.tasks.sla_events_record_task": _BOOKKEEPING,
    "backend.reports.tasks.overview_cells_rebuild_task": _BOOKKEEPING,
    "backend.classification.tasks.classifier_retrain_weekly": _BOOKKEEPING,
    "backend.notifications.tasks.contact_details_erase_due": _BOOKKEEPING,
}
# Celery's Django fixup closes every database connection before and after each task unless
# this is set: a fresh connection per task (TCP, authentication, a new server backend, its
# prepared statements lost) cost more than most tasks. With it, the fixup closes them every N
# tasks, and backend/config/celery.py drops a broken or expired one before each task instead,
# as Django does around a request (CONN_MAX_AGE, CONN_HEALTH_CHECKS).
CELERY_DB_REUSE_MAX = env.int("CELERY_DB_REUSE_MAX", default=1000)
CELERY_TIMEZONE = env.str("TIME_ZONE", default="Europe/Amsterdam")
# A publish attempt must not hang a request when Redis is away: the outbox sweep catches up.
CELERY_BROKER_CONNECTION_TIMEOUT = env.float("CELERY_BROKER_CONNECTION_TIMEOUT", default=2.0)
CELERY_BROKER_TRANSPORT_OPTIONS = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Any number of beat processes (one per node, say): one leads and sends, the others stand by
# (backend/config/beat.py). A dead leader's lease runs out after BEAT_LEADER_LEASE_SECONDS.
CELERY_BEAT_SCHEDULER = "backend.config.beat:LeaderScheduler"
BEAT_LEADER_REDIS_URL = env.str("BEAT_LEADER_REDIS_URL", default=REDIS_URL)
BEAT_LEADER_KEY = env.str("BEAT_LEADER_KEY", default="meldpunt:beat:leader")
BEAT_LEADER_LEASE_SECONDS = env.float("BEAT_LEADER_LEASE_SECONDS", default=15.0)
CELERY_BEAT_SCHEDULE = {
    "outbox-sweep": {
        "task": "backend.reports.tasks.outbox_sweep",
        "schedule": env.float("OUTBOX_SWEEP_SECONDS", default=15.0),
    },
    "outbox-prune": {
        "task": "backend.reports.tasks.outbox_prune_published",
        "schedule": 3600.0,
    },
    "idempotency-keys-expire": {
        "task": "backend.reports.tasks.idempotency_keys_expire",
        "schedule": 3600.0,
    },
    "classifier-retrain-weekly": {
        "task": "backend.classification.tasks.classifier_retrain_weekly",
        # Monday 03:00 local time: off-peak, and the week's corrections are in.
        "schedule": crontab(minute=0, hour=3, day_of_week=1),
    },
    # Photos whose worker died mid-photo, or whose task never arrived.
    "attachments-retry-stuck": {
        "task": "backend.reports.tasks.attachments_retry_pending",
        "schedule": PHOTO_SWEEP_SECONDS,
    },
    # Mail and push deliveries whose task never ran (broker down) or is due for a retry.
    "notification-deliveries-sweep": {
        "task": "backend.notifications.tasks.deliveries_sweep",
        "schedule": env.float("DELIVERY_SWEEP_SECONDS", default=30.0),
    },
    # Service levels: deadline_warning and overdue events (reports/services/sla.py).
    "sla-events": {
        "task": "backend.reports.tasks.sla_events_record_task",
        "schedule": env.float("SLA_CHECK_SECONDS", default=60.0),
    },
    **(
        {
            # The city-level map's counts (reports/services/overview_cells.py).
            "overview-cells": {
                "task": "backend.reports.tasks.overview_cells_rebuild_task",
                "schedule": OVERVIEW_CELLS_SECONDS,
            }
        }
        if OVERVIEW_CELLS_SECONDS > 0
        else {}
    ),
    "contact-details-erase": {
        "task": "backend.notifications.tasks.contact_details_erase_due",
        "schedule": 3600.0,
    },
}

CHANNEL_LAYERS = {
    "default": {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        "CONFIG": {"hosts": [env.str("CHANNEL_LAYER_URL", default=REDIS_URL)]},
    }
}

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": env.str("CACHE_URL", default=REDIS_URL),
        "KEY_PREFIX": "meldpunt",
    }
}
