"""The one environment reader every settings module shares."""

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parents[3]

env = environ.Env()
# A developer's .env is honoured, but never required.
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)
