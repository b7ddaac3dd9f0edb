"""The checks a reviewer would make on every change: migrations, API schema, layering, lint."""

import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

ROOT = Path(settings.BASE_DIR)
SCHEMA = ROOT / "frontend_api" / "openapi.yaml"
VENV_BIN = Path(sys.executable).parent


# makemigrations checks the migration history of every database a router may migrate: the
# suite's stand-in for a read replica too (backend/config/settings/test.py).
@pytest.mark.django_db(databases=["default", "replica"])
def test_no_model_change_is_missing_a_migration():
    out = StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=out)


def test_committed_openapi_schema_matches_the_code():
    generated = StringIO()
    call_command("spectacular", "--validate", "--fail-on-warn", stdout=generated)
    assert generated.getvalue() == SCHEMA.read_text(), (
        "The API changed but frontend_api/openapi.yaml did not: regenerate it with "
        "`.venv/bin/python manage.py spectacular --file frontend_api/openapi.yaml` and review "
        "the diff."
    )


@pytest.mark.parametrize(
    "command",
    [
        ["lint-imports"],
        ["ruff", "check", "--quiet", "."],
        ["ruff", "format", "--check", "--quiet", "."],
        ["mypy", "backend", "frontend_api"],
    ],
    ids=["import-contract", "ruff", "ruff-format", "mypy"],
)
def test_static_checks_pass(command):
    result = subprocess.run(
        [str(VENV_BIN / command[0]), *command[1:]],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
