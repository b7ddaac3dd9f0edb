"""Create the database named by DATABASE_URL, with PostGIS, when it does not exist yet."""

import os
import sys
from urllib.parse import urlparse

import psycopg
from psycopg import sql

url = urlparse(os.environ.get("DATABASE_URL", "postgis://postgres@127.0.0.1:5432/meldpunt"))
name = url.path.lstrip("/") or "meldpunt"
params = {
    "host": url.hostname or "127.0.0.1",
    "port": url.port or 5432,
    "user": url.username or "postgres",
    "password": url.password,
}

try:
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(f"created database {name}")
    with psycopg.connect(dbname=name, autocommit=True, **params) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
except psycopg.Error as exc:
    sys.exit(f"cannot prepare database {name!r}: {exc}")
