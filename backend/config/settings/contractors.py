"""Contractors: webhook delivery and one-time links."""

from .env import env
from .redis import CELERY_BEAT_SCHEDULE

# Webhooks: each failed attempt waits twice as long as the one before (base, 2x base, ...),
# and retrying stops once the next attempt would fall after the retry window.
CONTRACTOR_WEBHOOK_TIMEOUT_SECONDS = env.float("CONTRACTOR_WEBHOOK_TIMEOUT_SECONDS", default=5.0)
CONTRACTOR_WEBHOOK_BASE_DELAY_SECONDS = env.float(
    "CONTRACTOR_WEBHOOK_BASE_DELAY_SECONDS", default=30.0
)
CONTRACTOR_WEBHOOK_RETRY_HOURS = env.float("CONTRACTOR_WEBHOOK_RETRY_HOURS", default=24.0)
# One-time links for contractors without a system of their own.
CONTRACTOR_LINK_TTL_HOURS = env.float("CONTRACTOR_LINK_TTL_HOURS", default=14 * 24)
CONTRACTOR_MAIL_FROM = env.str("CONTRACTOR_MAIL_FROM", default="meldpunt@localhost")

CELERY_BEAT_SCHEDULE["contractor-webhooks-retry"] = {
    "task": "backend.contractors.tasks.webhooks_retry_due",
    "schedule": env.float("CONTRACTOR_WEBHOOK_SWEEP_SECONDS", default=30.0),
}
