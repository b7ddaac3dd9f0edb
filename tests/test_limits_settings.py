"""Every limit comes from the environment; a wrong one stops the start; benchmarks run without
limits."""

import os
import subprocess
import sys

PRINT = (
    "import django; django.setup(); from django.conf import settings as s; "
    "print(s.RATE_LIMITS_ENABLED, s.RATE_LIMITS['intake'], s.RATE_LIMITS['confirm_mail'], "
    "s.NUM_PROXIES, s.AXES_FAILURE_LIMIT, int(s.AXES_COOLOFF_TIME.total_seconds()))"
)


def _settings(module: str, **env: str) -> subprocess.CompletedProcess:
    environment = {
        k: v for k, v in os.environ.items() if not k.startswith(("RATE_LIMIT", "LOGIN_"))
    }
    environment.pop("NUM_PROXIES", None)
    environment.update(env, DJANGO_SETTINGS_MODULE=module)
    return subprocess.run(
        [sys.executable, "-c", PRINT], env=environment, capture_output=True, text=True, timeout=60
    )


def test_the_defaults_and_their_overrides_from_the_environment():
    default = _settings("backend.config.settings")
    assert default.returncode == 0, default.stderr
    assert default.stdout.split() == ["True", "30/10min", "5/hour,20/day", "0", "5", "900"]
    overridden = _settings(
        "backend.config.settings",
        RATE_LIMIT_INTAKE="7/min",
        RATE_LIMIT_CONFIRM_MAIL="1/day",
        NUM_PROXIES="1",
        LOGIN_FAILURE_LIMIT="8",
        LOGIN_LOCKOUT_MINUTES="2",
    )
    assert overridden.returncode == 0, overridden.stderr
    assert overridden.stdout.split() == ["True", "7/min", "1/day", "1", "8", "120"]


def test_a_rate_that_is_no_rate_stops_the_start():
    wrong = _settings("backend.config.settings", RATE_LIMIT_FOLLOW="lots")
    assert wrong.returncode != 0
    assert "ImproperlyConfigured: RATE_LIMIT_FOLLOW: Not a rate: 'lots'" in wrong.stderr


def test_benchmarks_run_without_rate_limits():
    bench = _settings("bench.settings", RATE_LIMITS_ENABLED="true")
    assert bench.returncode == 0, bench.stderr
    assert bench.stdout.split()[0] == "False"
