"""Routing fixtures. Only tests that ask for them get the shipped rules or demo contractors
(`contractors`, `shipped_rules`: tests/conftest.py, which the staff routing API tests share)."""

import pytest
import yaml


@pytest.fixture(autouse=True)
def _fresh_ruleset_cache(fresh_ruleset_cache) -> None:
    """tests/conftest.py's fresh_ruleset_cache, for every routing test."""


def rule_file(*rules: dict) -> str:
    return yaml.safe_dump({"version": 1, "rules": list(rules)}, sort_keys=False)
