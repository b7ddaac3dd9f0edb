"""Rate limits on the public API and mail, and the staff login lockout.

Each rate is "N/period" (backend/common/ratelimit.py): N requests at once, then one more each
period/N; several rates separated by commas must all allow; "off" switches one off. The
defaults sit well above what a resident does (one report every few minutes, a few lookups of
their own report) and far below what a script does (one client filed 200 reports in 2.6 s,
another tried 200 tracking tokens a second): see README, Configuration.
"""

from datetime import timedelta

from django.core.exceptions import ImproperlyConfigured

from backend.common.ratelimit import rates_parse

from .env import env
from .redis import CACHES

RATE_LIMITS_ENABLED = env.bool("RATE_LIMITS_ENABLED", default=True)
RATE_LIMITS = {
    # Per client address (the staff user where a token is sent).
    "intake": env.str("RATE_LIMIT_INTAKE", default="30/10min"),
    # The app asks while the resident types.
    "classify": env.str("RATE_LIMIT_CLASSIFY", default="120/min"),
    # Address search: the app asks while the resident types, as for classify.
    "address_lookup": env.str("RATE_LIMIT_ADDRESS_LOOKUP", default="120/min"),
    # Following a report by e-mail or push.
    "follow": env.str("RATE_LIMIT_FOLLOW", default="20/10min"),
    # Every request that carries a secret token in its path (tracking, confirm, unsubscribe,
    # the contractor's one-time link) ...
    "token_lookup": env.str("RATE_LIMIT_TOKEN_LOOKUP", default="300/min"),
    # ... and those whose token matched nothing: past this rate every token request of that
    # client is refused until the rate allows another miss. A resident follows links that work.
    "token_miss": env.str("RATE_LIMIT_TOKEN_MISS", default="20/10min"),
    # Requests with an unknown or revoked staff/contractor API token.
    "auth_failure": env.str("RATE_LIMIT_AUTH_FAILURE", default="20/10min"),
    # Per e-mail address, however many clients ask: a follower's confirmation mails.
    "confirm_mail": env.str("RATE_LIMIT_CONFIRM_MAIL", default="5/hour,20/day"),
    # Per Open311 api_key: one client application files for many residents.
    "open311_key": env.str("RATE_LIMIT_OPEN311_KEY", default="600/hour"),
    # Open311 POSTs with a wrong or revoked api_key, per client address.
    "open311_key_failure": env.str("RATE_LIMIT_OPEN311_KEY_FAILURE", default="20/10min"),
    # Anonymous reports through the Signalen-compatible API, per client (Signalen's default).
    "signalen_intake": env.str("RATE_LIMIT_SIGNALEN_INTAKE", default="60/hour"),
}
for _scope, _rate in RATE_LIMITS.items():
    try:
        rates_parse(_rate)
    except ValueError as exc:
        raise ImproperlyConfigured(f"RATE_LIMIT_{_scope.upper()}: {exc}") from exc

# The counters live in Redis, shared by every web process and host.
RATE_LIMIT_REDIS_URL = env.str("RATE_LIMIT_REDIS_URL", default=CACHES["default"]["LOCATION"])
RATE_LIMIT_KEY_PREFIX = env.str("RATE_LIMIT_KEY_PREFIX", default="meldpunt:ratelimit")
RATE_LIMIT_REDIS_TIMEOUT_SECONDS = env.float("RATE_LIMIT_REDIS_TIMEOUT_SECONDS", default=0.25)
# After Redis failed to answer, requests go unlimited this long before it is asked again.
RATE_LIMIT_REDIS_RETRY_SECONDS = env.float("RATE_LIMIT_REDIS_RETRY_SECONDS", default=5.0)
# Proxies in front of the application that append to X-Forwarded-For. 0: the client is the
# peer the web server saw (REMOTE_ADDR; uvicorn already takes it from X-Forwarded-For for
# peers in FORWARDED_ALLOW_IPS). Never more than there are: the client could choose its address.
NUM_PROXIES = env.int("NUM_PROXIES", default=0)
# An IPv6 host usually holds a whole /64: counted as one client.
RATE_LIMIT_IPV6_PREFIX = env.int("RATE_LIMIT_IPV6_PREFIX", default=64)

# Staff logins (the admin site): django-axes locks out a username from an address after
# LOGIN_FAILURE_LIMIT wrong passwords, for LOGIN_LOCKOUT_MINUTES after the last attempt; the
# right password is refused meanwhile. Counted per username and address together, so nobody
# can lock a colleague out from elsewhere. Kept in the database (visible in the admin).
AXES_ENABLED = env.bool("LOGIN_LOCKOUT_ENABLED", default=True)
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.float("LOGIN_LOCKOUT_MINUTES", default=15.0))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_CLIENT_IP_CALLABLE = "frontend_api.common.clients.client_ip"
AXES_LOCKOUT_CALLABLE = "frontend_api.common.throttling.lockout_response"
AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out login before the password is even checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    # The console's single sign-on (settings/console.py): answers only the provider's callback
    # (a code and state), and only when OIDC_RP_CLIENT_ID is set.
    "frontend_api.console.sso.ConsoleOIDCBackend",
]
