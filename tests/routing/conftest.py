"""Routing fixtures. Only tests that ask for them get the shipped rules or demo contractors."""

from collections.abc import Iterator

import pytest
import yaml
from rest_framework.test import APIClient

from backend.accounts.models import User
from backend.accounts.services import api_token_create, user_create
from backend.demo.services import demo_contractors_load
from backend.routing.active import active_ruleset
from backend.routing.models import RuleSet
from backend.routing.services import ruleset_load
from backend.routing.validation import files_read, rules_dir


@pytest.fixture(autouse=True)
def _fresh_ruleset_cache(settings) -> Iterator[None]:
    # Every test sees the active version at once, and none leaks into the next test.
    settings.ROUTING_RELOAD_SECONDS = 0
    active_ruleset.forget()
    yield
    active_ruleset.forget()


@pytest.fixture
def contractors(db) -> None:
    demo_contractors_load()


@pytest.fixture
def shipped_rules(contractors) -> RuleSet:
    return ruleset_load(files=files_read(rules_dir())).ruleset


def rule_file(*rules: dict) -> str:
    return yaml.safe_dump({"version": 1, "rules": list(rules)}, sort_keys=False)


@pytest.fixture
def admin_client(db) -> APIClient:
    user = user_create(username="routing-admin", role=User.Role.ADMIN)
    _, key = api_token_create(user=user, name="test")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client
