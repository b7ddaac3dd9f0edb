#!/usr/bin/env bash
# Entry point of the Meldpunt image. One image serves every role; the first argument picks it:
#
#   web          uvicorn (HTTP + WebSocket), as scripts/run.sh starts it        (the default CMD)
#   worker       Celery worker
#   beat         Celery beat (run exactly one)
#   migrate      one-off: create the database if missing, migrate, optionally load demo data
#   healthcheck  exit 0 when this container's /health/ answers 200 (the image's HEALTHCHECK)
#
# Anything else is executed as given (`docker compose run --rm web python manage.py shell`).
# Every long-running role is `exec`ed, so `docker stop`'s SIGTERM reaches uvicorn or Celery itself
# (directly, or through the init process compose adds with `init: true`).
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf 'docker-entrypoint: %s\n' "$*" >&2; }

# A bind mount or a volume first mounted by another image can come up root-owned; say so plainly
# instead of letting the first photo upload fail with a PermissionError.
require_writable() {
  local dir
  for dir in "$@"; do
    mkdir -p "$dir" 2>/dev/null || true
    if [ ! -w "$dir" ]; then
      log "$dir is not writable by uid $(id -u); chown the volume mounted there"
      exit 1
    fi
  done
}

media_dirs() {
  # Photos on the object store: no local folder is used.
  if [ "${STORAGE_BACKEND:-local}" = s3 ]; then return 0; fi
  require_writable "${MEDIA_ROOT:-var/media}" "${PRIVATE_MEDIA_ROOT:-var/private}"
}

role="${1:-web}"

case "$role" in
  web)
    media_dirs
    exec uvicorn backend.config.asgi:application --host 0.0.0.0 --port "${PORT:-8000}" \
      --workers "${WEB_CONCURRENCY:-2}" --no-access-log --lifespan off
    ;;

  worker)
    media_dirs
    # The node name carries the container's hostname so the healthcheck can ping exactly this one.
    # Every queue by default; CELERY_QUEUES=celery, =photos or =bookkeeping splits them over
    # services (docker-compose.yml runs the default queue apart from the other two).
    exec celery -A backend.config worker --loglevel "${LOG_LEVEL:-INFO}" \
      -Q "${CELERY_QUEUES:-celery,photos,bookkeeping}" \
      --concurrency "${CELERY_CONCURRENCY:-2}" --hostname "worker@%h"
    ;;

  beat)
    # The schedule holds only "last run" times of interval tasks; losing it on a restart costs at
    # most one early sweep, so it lives in the container's /tmp, not on a volume.
    exec celery -A backend.config beat --loglevel "${LOG_LEVEL:-INFO}" \
      --schedule "${CELERY_BEAT_SCHEDULE_FILE:-/tmp/celerybeat-schedule}"
    ;;

  migrate)
    # ensure_database.py creates the database and the postgis extension when missing. A managed
    # database whose role may not connect to `postgres` sets ENSURE_DATABASE=0 and provides both.
    if [ "${ENSURE_DATABASE:-1}" = 1 ]; then
      attempts="${DB_WAIT_ATTEMPTS:-30}"
      until python scripts/ensure_database.py; do
        attempts=$((attempts - 1))
        if [ "$attempts" -le 0 ]; then
          log "the database did not become reachable; giving up"
          exit 1
        fi
        log "database not ready yet; retrying in 2 s"
        sleep 2
      done
    fi
    python manage.py migrate --no-input
    # Links made with a secret no longer configured open nothing; their next mails get new ones.
    python manage.py links_renew
    if [ "${LOAD_DEMO_DATA:-0}" = 1 ]; then
      # Prints a fresh demo dispatcher token: read it with `docker compose logs migrate`.
      python manage.py setup_demo
    fi
    ;;

  healthcheck)
    # Django answers 400 to a Host it does not allow, so ask with the first allowed name instead
    # of 127.0.0.1 (which production ALLOWED_HOSTS rightly leave out). No proxy: this is loopback.
    exec python - <<'PY'
import os
import sys
import urllib.request

names = [h.strip() for h in os.environ.get("ALLOWED_HOSTS", "").split(",") if h.strip()]
host = next((h.lstrip(".") for h in names if h != "*"), "localhost")
request = urllib.request.Request(
    f"http://127.0.0.1:{os.environ.get('PORT', '8000')}/health/", headers={"Host": host}
)
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
try:
    with opener.open(request, timeout=4) as response:
        sys.exit(0 if response.status == 200 else 1)
except Exception as exc:  # 503 (database or Redis away) lands here too
    print(f"unhealthy: {exc}", file=sys.stderr)
    sys.exit(1)
PY
    ;;

  *)
    exec "$@"
    ;;
esac
