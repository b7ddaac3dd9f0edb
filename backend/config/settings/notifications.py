"""Pushing report events to residents: WebSocket heartbeats, e-mail, web push, their answers."""

from .env import env

# E-mail. The local default prints mails on the console; docker-compose points EMAIL_URL at
# Mailpit (smtp://mailpit:1025), production at the municipality's relay.
_email = env.email_url("EMAIL_URL", default="consolemail://")
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
EMAIL_HOST = _email.get("EMAIL_HOST", "")
EMAIL_PORT = _email.get("EMAIL_PORT") or 25
EMAIL_HOST_USER = _email.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = _email.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = _email.get("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = _email.get("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="meldpunt@localhost")
# Where the resident's links in mails point (tracking page, feedback, unsubscribe). The app
# or web front end that residents use; the API's own URLs by default.
RESIDENT_APP_URL = env.str("RESIDENT_APP_URL", default="").rstrip("/")

# Deliveries (mail and push) are retried with exponential backoff, then given up on with an
# internal `mail_failed` / `push_failed` event on the report.
DELIVERY_MAX_ATTEMPTS = env.int("DELIVERY_MAX_ATTEMPTS", default=6)
DELIVERY_RETRY_SECONDS = env.int("DELIVERY_RETRY_SECONDS", default=30)
# How long a mail's recorded attempt stands before another worker may take the mail over (its
# worker died mid-send): longer than an SMTP exchange can take (EMAIL_TIMEOUT per step).
MAIL_ATTEMPT_SECONDS = env.int("MAIL_ATTEMPT_SECONDS", default=120)

# Web push (VAPID). Generate a pair with `manage.py vapid_keys`; without them web push is
# switched off and subscribing answers 503.
VAPID_PRIVATE_KEY = env.str("VAPID_PRIVATE_KEY", default="")
VAPID_PUBLIC_KEY = env.str("VAPID_PUBLIC_KEY", default="")
VAPID_SUBJECT = env.str("VAPID_SUBJECT", default="mailto:meldpunt@localhost")
PUSH_TTL_SECONDS = env.int("PUSH_TTL_SECONDS", default=24 * 3600)
PUSH_TIMEOUT_SECONDS = env.float("PUSH_TIMEOUT_SECONDS", default=10.0)

# WebSocket heartbeat: the server pings every N seconds and closes a socket that has sent
# nothing (no pong, no ping) for HEARTBEAT_MISSED intervals. Each heartbeat also re-joins the
# report's group and catches up from the database, which heals a lost group membership.
WS_HEARTBEAT_SECONDS = env.float("WS_HEARTBEAT_SECONDS", default=25.0)
WS_HEARTBEAT_MISSED = env.int("WS_HEARTBEAT_MISSED", default=3)
# How soon a staff feed socket notices that its token was revoked or its user deactivated.
WS_CREDENTIAL_CHECK_SECONDS = env.float("WS_CREDENTIAL_CHECK_SECONDS", default=5.0)

# The resident's answers and privacy.
FEEDBACK_WINDOW_DAYS = env.int("FEEDBACK_WINDOW_DAYS", default=14)
CONTACT_ERASURE_DAYS = env.int("CONTACT_ERASURE_DAYS", default=30)
# A follower's e-mail address not confirmed within this many days is deleted.
SUBSCRIPTION_CONFIRM_DAYS = env.int("SUBSCRIPTION_CONFIRM_DAYS", default=7)
