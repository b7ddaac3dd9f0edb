"""The active rule set, compiled once per process and swapped when another is activated.

Intake must not pay a query per report for this: whether another version is active is asked
at most every ROUTING_RELOAD_SECONDS (an indexed one-row query), and only a changed id makes
the process compile again. Activating a version clears the copy of the process that did it at
once; every other web and worker process follows within the reload interval.
"""

import threading
import time
from typing import Any

import yaml
from django.conf import settings

from .engine import CompiledRuleSet
from .models import RuleSet


def compile_files(files: dict[str, str], *, version: int | None = None) -> CompiledRuleSet:
    parsed: list[tuple[str, dict[str, Any]]] = [
        (name, yaml.safe_load(files[name]) or {}) for name in sorted(files)
    ]
    return CompiledRuleSet.from_files(parsed, version=version)


class _ActiveRuleSet:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._id: int | None = None
        self._compiled: CompiledRuleSet | None = None
        self._checked = float("-inf")

    def get(self) -> CompiledRuleSet | None:
        now = time.monotonic()
        if now - self._checked > settings.ROUTING_RELOAD_SECONDS:
            with self._lock:
                current = (
                    RuleSet.objects.filter(is_active=True).values_list("id", "version").first()
                )
                if current is None:
                    self._id, self._compiled = None, None
                elif current[0] != self._id:
                    files = RuleSet.objects.values_list("files", flat=True).get(pk=current[0])
                    self._compiled = compile_files(files, version=current[1])
                    self._id = current[0]
                self._checked = now
        return self._compiled

    def forget(self) -> None:
        with self._lock:
            self._id, self._compiled = None, None
            self._checked = float("-inf")


active_ruleset = _ActiveRuleSet()
