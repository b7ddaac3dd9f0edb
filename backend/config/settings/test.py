"""The test suite's settings: the real services, kept apart from a running `make run`."""

import os
import tempfile

from backend.config.settings import *  # noqa: F403
from backend.config.settings import RATE_LIMITS, REDIS_URL

# Another Redis database number, so tests never touch the queues of a running instance.
_base, _, _db = REDIS_URL.rpartition("/")
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", f"{_base}/{15 if _db != '15' else 14}")
REDIS_URL = TEST_REDIS_URL
CELERY_BROKER_URL = TEST_REDIS_URL
CHANNEL_LAYERS = {
    "default": {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        "CONFIG": {"hosts": [TEST_REDIS_URL]},
    }
}
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": TEST_REDIS_URL,
        "KEY_PREFIX": "meldpunt-test",
    }
}

# The suite files far more reports from one address, and follows with one e-mail address far
# more often, than anybody may: its limits are out of reach (the tests of the limits set their
# own), but still counted, so every request goes through the throttles.
RATE_LIMITS = dict.fromkeys(RATE_LIMITS, "1000000/min")
RATE_LIMIT_REDIS_URL = TEST_REDIS_URL
RATE_LIMIT_KEY_PREFIX = "meldpunt-test:ratelimit"

_media = tempfile.mkdtemp(prefix="meldpunt-test-media-")
MEDIA_ROOT = os.path.join(_media, "public")
PRIVATE_MEDIA_ROOT = os.path.join(_media, "private")
PUBLIC_BASE_URL = "http://testserver"
# The tests' own, whatever the installation's var/secret-key holds (or whether it exists).
SECRET_KEY = "test-secret-key-for-the-suite-only"  # noqa: S105 - tests only
SECRET_KEY_FALLBACKS = []
TRACKING_TOKEN_SECRET = "test-tracking-secret"  # noqa: S105 - tests only
TRACKING_TOKEN_SECRET_FALLBACKS = []
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# The tests' worker runs in a thread of the test process, next to tests that stop brokers and
# swap the app's broker connections under it (tests/support/broker.py); there a connection
# kept across tasks was broken by that (tests/common/test_dispatch.py), so it closes them
# around each task as Celery does by default. Real workers are processes of their own.
CELERY_DB_REUSE_MAX = None

# The pages' static files straight from their folders (no collectstatic before a test run).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
