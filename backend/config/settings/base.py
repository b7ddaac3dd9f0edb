from .env import BASE_DIR, env

DEBUG = env.bool("DEBUG", default=False)
# The local default is only good for a developer machine; production sets SECRET_KEY.
SECRET_KEY = env.str("SECRET_KEY", default="meldpunt-local-development-key-not-for-production-use")
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
    "frontend_api.common.middleware.SyncCommonMiddleware",
    "frontend_api.common.middleware.SyncCsrfViewMiddleware",
    "frontend_api.common.middleware.SyncAuthenticationMiddleware",
    "frontend_api.common.middleware.SyncMessageMiddleware",
    "frontend_api.common.middleware.SyncXFrameOptionsMiddleware",
    # Last, as django-axes asks: turns a locked-out login into its lockout answer.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "backend.config.urls"
ASGI_APPLICATION = "backend.config.asgi.application"
AUTH_USER_MODEL = "accounts.User"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
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

# API messages are for the app developers: one language. Residents get texts in their own
# language from the workflow table and templates, not from Django's translations.
LANGUAGE_CODE = "en"
LANGUAGES = [("nl", "Nederlands"), ("en", "English")]
TIME_ZONE = env.str("TIME_ZONE", default="Europe/Amsterdam")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=str(BASE_DIR / "var" / "static"))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# Behind a TLS-terminating proxy (as in docker-compose.yml): trust its scheme header and keep
# cookies and browsers on HTTPS.
if env.bool("BEHIND_TLS_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31_536_000)

# Debian 12 ships GDAL 3.6, which cannot block network access from spatial references. GDAL
# only reads files here through the operator's `load_areas` command, never user uploads.
SILENCED_SYSTEM_CHECKS = ["gis.W001"]
