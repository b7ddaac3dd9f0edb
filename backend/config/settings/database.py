from .env import env

DATABASES = {
    "default": env.db_url(
        "DATABASE_URL",
        default="postgis://postgres@127.0.0.1:5432/meldpunt",
        engine="django.contrib.gis.db.backends.postgis",
    )
}
# env.db_url maps postgres:// to the plain backend; GeoDjango needs the PostGIS one either way.
DATABASES["default"]["ENGINE"] = "django.contrib.gis.db.backends.postgis"
# Under ASGI every request runs in a thread of its own, so persistent per-thread connections
# would pile up until PostgreSQL refuses more; a per-process pool reuses them instead.
# (web processes + worker processes) x DATABASE_POOL_MAX_SIZE must stay below max_connections.
# The Celery worker runs without the pool (DATABASE_POOL=false, see scripts/run.sh): Celery
# closes a pool around every task, so each task would open fresh connections; a persistent
# connection (DATABASE_CONN_MAX_AGE) serves it better.
DATABASES["default"]["CONN_MAX_AGE"] = 0
if not env.bool("DATABASE_POOL", default=True):
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=600)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
else:
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": env.int("DATABASE_POOL_MIN_SIZE", default=2),
        "max_size": env.int("DATABASE_POOL_MAX_SIZE", default=10),
        "timeout": env.float("DATABASE_POOL_TIMEOUT", default=10.0),
    }
DATABASES["default"].setdefault("TEST", {})["NAME"] = env.str(
    "DATABASE_TEST_NAME", default="test_meldpunt"
)
# Prepared statements, only for the cursors backend.common.prepared hands out (Django's own
# never prepare). Behind a transaction-pooling pgbouncer older than 1.21, set it false.
if env.bool("DATABASE_PREPARED_STATEMENTS", default=True):
    DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = 0
