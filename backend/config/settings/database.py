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
# Keep connections between requests: opening one costs more than a whole intake query.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"].setdefault("TEST", {})["NAME"] = env.str(
    "DATABASE_TEST_NAME", default="test_meldpunt"
)
