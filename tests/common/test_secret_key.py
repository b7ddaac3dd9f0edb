"""The installation's own secret key: written once by the bootstrap, read by the settings, and
no process starts on the public built-in key with DEBUG off (issue #14, finding 1)."""

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
VENV_BIN = Path(PYTHON).parent
BUILTIN = "meldpunt-local-development-key-not-for-production-use"
REFUSAL = "SECRET_KEY is the public built-in key and DEBUG is off"


def _env(tmp_path: Path, **values: str) -> dict[str, str]:
    """Production settings, no key in the environment (set empty, so a developer's .env cannot
    fill it in) and a key file that does not exist unless a test writes it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env.update(
        DJANGO_SETTINGS_MODULE="backend.config.settings",
        SECRET_KEY="",
        SECRET_KEY_FALLBACKS="",
        TRACKING_TOKEN_SECRET="",
        TRACKING_TOKEN_SECRET_FALLBACKS="",
        SECRET_KEY_FILE=str(tmp_path / "var" / "secret-key"),
        DEBUG="0",
    )
    env.update(values)
    return env


def _run(args: list[str], env: dict[str, str], timeout: int = 120):
    return subprocess.run(
        args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


def _key_seen(env: dict[str, str]) -> str:
    code = (
        "import django; django.setup(); from django.conf import settings as s; print(s.SECRET_KEY)"
    )
    result = _run([PYTHON, "-c", code], env)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_the_bootstrap_writes_a_private_random_key_once_and_keeps_it(tmp_path):
    target = tmp_path / "var" / "secret-key"
    first = _run([PYTHON, "scripts/ensure_secret_key.py", str(target)], dict(os.environ))
    assert first.returncode == 0, first.stderr
    assert "wrote a new secret key" in first.stdout
    key = target.read_text()
    assert len(key.strip()) >= 50
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    again = _run([PYTHON, "scripts/ensure_secret_key.py", str(target)], dict(os.environ))
    assert again.returncode == 0, again.stderr
    assert again.stdout == ""
    assert target.read_text() == key
    assert list(target.parent.iterdir()) == [target]  # no scratch file left behind
    other = tmp_path / "other" / "secret-key"
    _run([PYTHON, "scripts/ensure_secret_key.py", str(other)], dict(os.environ))
    assert other.read_text() != key  # random per installation
    # Wired into the bootstrap before the first manage.py command, and never committed.
    bootstrap = (ROOT / "scripts/bootstrap.sh").read_text()
    assert bootstrap.index("scripts/ensure_secret_key.py var/secret-key") < bootstrap.index(
        "manage.py migrate"
    )
    ignored = _run(["git", "check-ignore", "-q", "var/secret-key"], dict(os.environ))
    assert ignored.returncode == 0


def test_the_settings_take_the_environment_then_the_file_then_the_builtin_key(tmp_path):
    key_file = tmp_path / "var" / "secret-key"
    assert _key_seen(_env(tmp_path, DEBUG="1")) == BUILTIN  # nothing else: only with DEBUG
    key_file.parent.mkdir()
    key_file.write_text("this-installations-own-key\n")
    assert _key_seen(_env(tmp_path)) == "this-installations-own-key"
    assert _key_seen(_env(tmp_path, SECRET_KEY="from-the-environment")) == "from-the-environment"


@pytest.mark.parametrize(
    "command",
    [
        ["manage.py", "check"],
        ["-c", "import backend.config.asgi"],  # what uvicorn imports
        ["celery", "-A", "backend.config", "worker", "-Q", "refusal-test", "--concurrency", "1"],
    ],
    ids=["manage", "asgi", "celery-worker"],
)
def test_nothing_starts_on_the_builtin_key_with_debug_off(tmp_path, command):
    args = (
        [str(VENV_BIN / "celery"), *command[1:]] if command[0] == "celery" else [PYTHON, *command]
    )
    refused = _run(args, _env(tmp_path))
    assert refused.returncode != 0
    assert REFUSAL in refused.stderr
    if command[0] == "manage.py":
        assert _run(args, _env(tmp_path, DEBUG="1")).returncode == 0
        assert _run(args, _env(tmp_path, SECRET_KEY="a-private-key")).returncode == 0


@pytest.mark.parametrize(
    "where", ["TRACKING_TOKEN_SECRET", "TRACKING_TOKEN_SECRET_FALLBACKS", "SECRET_KEY_FALLBACKS"]
)
def test_nor_with_the_builtin_key_as_the_tracking_secret_or_a_fallback(tmp_path, where):
    env = _env(tmp_path, SECRET_KEY="a-private-key", **{where: BUILTIN})
    refused = _run([PYTHON, "manage.py", "check"], env)
    assert refused.returncode != 0
    assert REFUSAL in refused.stderr
