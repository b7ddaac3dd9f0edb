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
DATABASES["default"].setdefault("TEST", {})["NAME"] = env.str(
    "DATABASE_TEST_NAME", default="test_meldpunt"
)

# A read replica (a streaming standby of the primary), for the reads that tolerate its lag: the
# dispatchers' list, the map, statistics, exports (backend/common/replica.py says how a read
# asks for it). Writes and the resident's own report always use the primary.
_REPLICA_URL = env.str("DATABASE_REPLICA_URL", default="")
if _REPLICA_URL:
    DATABASES["replica"] = env.db_url_config(
        _REPLICA_URL, engine="django.contrib.gis.db.backends.postgis"
    )
    DATABASES["replica"]["ENGINE"] = "django.contrib.gis.db.backends.postgis"
    # The test suite runs against the primary's test database only.
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_REPLICA_READS = env.bool("DATABASE_REPLICA_READS", default=True)
DATABASE_ROUTERS = ["backend.common.replica.PrimaryReplicaRouter"]

for _alias in DATABASES:
    DATABASES[_alias]["CONN_MAX_AGE"] = 0
    if not env.bool("DATABASE_POOL", default=True):
        DATABASES[_alias]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=600)
        DATABASES[_alias]["CONN_HEALTH_CHECKS"] = True
    else:
        DATABASES[_alias].setdefault("OPTIONS", {})["pool"] = {
            "min_size": env.int("DATABASE_POOL_MIN_SIZE", default=2),
            "max_size": env.int("DATABASE_POOL_MAX_SIZE", default=10),
            "timeout": env.float("DATABASE_POOL_TIMEOUT", default=10.0),
        }
    # Prepared statements, only for the cursors backend.common.prepared hands out (Django's own
    # never prepare). Behind a transaction-pooling pgbouncer older than 1.21, set it false.
    if env.bool("DATABASE_PREPARED_STATEMENTS", default=True):
        DATABASES[_alias].setdefault("OPTIONS", {})["prepare_threshold"] = 0
