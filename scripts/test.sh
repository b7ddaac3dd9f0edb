#!/usr/bin/env bash
# The whole suite against real PostGIS and Redis (see tests/conftest.py for what each needs).
set -euo pipefail
cd "$(dirname "$0")/.."
export DATABASE_URL="${DATABASE_URL:-postgis://postgres@127.0.0.1:5432/meldpunt}"
export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379/0}"
exec .venv/bin/python -m pytest "$@"
