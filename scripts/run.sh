#!/usr/bin/env bash
# Web (HTTP + WebSocket), Celery workers (default queue, photos, bookkeeping) and Celery beat,
# as listed in scripts/processes.py, kept running by scripts/supervise.py: a process that dies
# is logged and started again with backoff while the others keep serving. Ctrl-C stops all.
set -euo pipefail
cd "$(dirname "$0")/.."

export PORT="${PORT:-8000}"
export HOST="${HOST:-127.0.0.1}"
export PUBLIC_BASE_URL="${PUBLIC_BASE_URL:-http://$HOST:$PORT}"
mkdir -p var

cat <<TXT

  Meldpunt is starting on $PUBLIC_BASE_URL
    API docs (Swagger UI)  $PUBLIC_BASE_URL/api/docs/
    OpenAPI schema         $PUBLIC_BASE_URL/api/schema/
    Health                 $PUBLIC_BASE_URL/health/
    Residents' API         $PUBLIC_BASE_URL/api/v1/public/categories/
    Staff API              $PUBLIC_BASE_URL/api/v1/staff/reports/   (Authorization: Token \$(cat var/demo-token))
    Demo dispatcher token  $(cat var/demo-token 2>/dev/null)
  Ctrl-C stops everything.

TXT

exec .venv/bin/python -m scripts.supervise
