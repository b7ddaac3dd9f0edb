#!/usr/bin/env bash
# Web (HTTP + WebSocket), Celery workers (default queue, photos, bookkeeping) and Celery beat in one
# foreground process group. Ctrl-C stops all; if one of them dies, the others are stopped too.
set -euo pipefail
cd "$(dirname "$0")/.."

PORT="${PORT:-8000}"
HOST="${HOST:-127.0.0.1}"
export PUBLIC_BASE_URL="${PUBLIC_BASE_URL:-http://$HOST:$PORT}"
mkdir -p var

trap 'trap - INT TERM EXIT; kill 0 2>/dev/null; wait' INT TERM EXIT

.venv/bin/uvicorn backend.config.asgi:application --host "$HOST" --port "$PORT" \
  --workers "${WEB_CONCURRENCY:-2}" --no-access-log --lifespan off &
# Not niced by default: the worker also pushes every status change to the residents, and
# under load a niced worker let pushes wait seconds behind the web process (bench/push.py:
# p95 0.5-1.3 s at nice 10 against 49 ms at 0). CELERY_NICE=10 favours intake throughput.
DATABASE_POOL=false nice -n "${CELERY_NICE:-0}" .venv/bin/celery -A backend.config worker \
  --loglevel INFO -Q celery \
  --concurrency "${CELERY_CONCURRENCY:-2}" --hostname "worker@%h" &
# Photos on a worker of their own at lower priority: during a burst of uploads intake and the
# pushes keep the CPU and the photos catch up after (a photo costs tens of milliseconds).
DATABASE_POOL=false nice -n "${PHOTO_NICE:-10}" .venv/bin/celery -A backend.config worker \
  --loglevel INFO -Q photos \
  --concurrency "${PHOTO_CONCURRENCY:-1}" --hostname "photos@%h" &
# Bookkeeping nobody waits for (classifier suggestions, retraining, pruning) on its own worker
# at lower priority: under a burst of intake the pushes, mails and webhooks never queue behind it.
DATABASE_POOL=false nice -n "${BOOKKEEPING_NICE:-10}" .venv/bin/celery -A backend.config worker \
  --loglevel INFO -Q bookkeeping \
  --concurrency "${BOOKKEEPING_CONCURRENCY:-1}" --hostname "bookkeeping@%h" &
.venv/bin/celery -A backend.config beat --loglevel INFO --schedule var/celerybeat-schedule &

cat <<TXT

  Meldpunt is starting on $PUBLIC_BASE_URL
    API docs (Swagger UI)  $PUBLIC_BASE_URL/api/docs/
    OpenAPI schema         $PUBLIC_BASE_URL/api/schema/
    Health                 $PUBLIC_BASE_URL/health/
    Residents' API         $PUBLIC_BASE_URL/api/v1/public/
    Staff API              $PUBLIC_BASE_URL/api/v1/staff/   (Authorization: Token \$(cat var/demo-token))
    Demo dispatcher token  $(cat var/demo-token 2>/dev/null)
  Ctrl-C stops everything.

TXT

wait -n
