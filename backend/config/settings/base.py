from pathlib import Path

from .env import BASE_DIR, env

DEBUG = env.bool("DEBUG", default=False)
# Public (it is in this file), so good for nothing but DEBUG: the app refuses to start on it
# otherwise (backend/common/apps.py). Every link residents get is derived from the key.
BUILTIN_SECRET_KEY = "meldpunt-local-development-key-not-for-production-use"  # noqa: S105
# The installation's own key, written once by scripts/bootstrap.sh (never committed).
SECRET_KEY_FILE = Path(env.str("SECRET_KEY_FILE", default=str(BASE_DIR / "var" / "secret-key")))


def _key_from_file(path: Path) -> str:
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        return ""


SECRET_KEY = (
    env.str("SECRET_KEY", default="") or _key_from_file(SECRET_KEY_FILE) or BUILTIN_SECRET_KEY
)
# Previous keys, still accepted while sessions and links made with them expire (a rotation).
SECRET_KEY_FALLBACKS = env.list("SECRET_KEY_FALLBACKS", default=[])
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
PUBLIC_BASE_URL = env.str("PUBLIC_BASE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.gis",
    "rest_framework",
    "rest_framework_gis",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "channels",
    # Staff login lockout (settings/limits.py).
    "axes",
    "backend.common",
    "backend.organisations",
    "backend.accounts",
    "backend.taxonomy",
    "backend.geo",
    "backend.contractors",
    "backend.reports",
    "backend.notifications",
    "backend.classification",
    "backend.routing",
    "backend.demo",
]

# Sync-only variants of Django's own (see frontend_api/common/middleware.py for why).
MIDDLEWARE = [
    "frontend_api.common.middleware.SyncSecurityMiddleware",
    # Swagger UI and the admin need their static files without a separate web server.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "frontend_api.common.middleware.SyncSessionMiddleware",
    # Before anything that can answer with an error: the error's message is in the language
    # the request asked for (Accept-Language), and the answer says which (Content-Language).
    "frontend_api.common.middleware.SyncLocaleMiddleware",
    "frontend_api.common.middleware.SyncCommonMiddleware",
    "frontend_api.common.middleware.SyncCsrfViewMiddleware",
    "frontend_api.common.middleware.SyncAuthenticationMiddleware",
    "frontend_api.common.middleware.SyncMessageMiddleware",
    "frontend_api.common.middleware.SyncXFrameOptionsMiddleware",
    "frontend_api.common.middleware.SyncCSPMiddleware",
    # Last, as django-axes asks: turns a locked-out login into its lockout answer.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "backend.config.urls"
ASGI_APPLICATION = "backend.config.asgi.application"
AUTH_USER_MODEL = "accounts.User"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # frontend_api is no app: the pages it overrides (the API docs) are found here, and
        # the resident's web app's pages (settings/frontend.py) beside its views.
        "DIRS": [
            BASE_DIR / "frontend_api" / "templates",
            BASE_DIR / "frontend_api" / "resident" / "templates",
            BASE_DIR / "frontend_api" / "console" / "templates",
        ],
        "APP_DIRS": True,
        "OPTIONS": {
            # The console's words for the workflow's values (frontend_api/console/labels.py).
            "libraries": {"console": "frontend_api.console.labels"},
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

# Error messages follow the request's Accept-Language; Dutch when it asks for neither (the
# product is Dutch first). Our own strings are in locale/ (the compiled .mo files are
# committed: nothing to build at install time). Status texts and mails follow the report's or
# subscriber's language instead, from the workflow table and the mail templates.
LANGUAGE_CODE = "nl"
LANGUAGES = [("nl", "Nederlands"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="Europe/Amsterdam")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=str(BASE_DIR / "var" / "static"))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# Debian 12 ships GDAL 3.6, which cannot block network access from spatial references. GDAL
# only reads files here through the operator's `load_areas` command, never user uploads.
SILENCED_SYSTEM_CHECKS = ["gis.W001"]
