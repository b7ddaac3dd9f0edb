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
# The link e-mail: one the mail server refuses is tried again after the base delay, then twice
# as long each time, and given up on (logged) after the last attempt.
CONTRACTOR_LINK_MAIL_RETRY_SECONDS = env.float("CONTRACTOR_LINK_MAIL_RETRY_SECONDS", default=60.0)
CONTRACTOR_LINK_MAIL_MAX_ATTEMPTS = env.int("CONTRACTOR_LINK_MAIL_MAX_ATTEMPTS", default=6)

CELERY_BEAT_SCHEDULE["contractor-webhooks-retry"] = {
    "task": "backend.contractors.tasks.webhooks_retry_due",
    "schedule": env.float("CONTRACTOR_WEBHOOK_SWEEP_SECONDS", default=30.0),
}
# Link mails whose task never ran (the broker was away at the offer) or whose retry is due.
CELERY_BEAT_SCHEDULE["contractor-link-mails-sweep"] = {
    "task": "backend.contractors.tasks.link_mails_sweep",
    "schedule": env.float("CONTRACTOR_LINK_MAIL_SWEEP_SECONDS", default=60.0),
}
