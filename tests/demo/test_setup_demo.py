"""`manage.py setup_demo`, which every bootstrap runs: the demo dispatcher's key printed by a
running `make run` stays valid through later bootstraps (issue #14, finding 16)."""

import io
from pathlib import Path

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from backend.accounts.models import ApiToken
from backend.accounts.services import api_token_revoke

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def _works(key: str) -> bool:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client.get("/api/v1/staff/reports/").status_code == 200


@pytest.fixture
def checkout(settings, tmp_path) -> Path:
    """A checkout of its own, so the real var/demo-token is never touched."""
    for shipped in ("fixtures", "routing_rules"):
        (tmp_path / shipped).symlink_to(ROOT / shipped)
    settings.BASE_DIR = tmp_path
    return tmp_path / "var" / "demo-token"


def _bootstrap() -> str:
    out = io.StringIO()
    call_command("setup_demo", "--quiet", stdout=out)
    return out.getvalue()


def test_a_later_bootstrap_keeps_the_key_a_running_server_printed(checkout):
    _bootstrap()
    key = checkout.read_text().strip()
    assert _works(key)
    printed = _bootstrap()  # `make test` (or another `make run`) bootstraps again
    assert checkout.read_text().strip() == key
    assert key in printed
    assert _works(key)
    assert ApiToken.objects.filter(name="demo (make run)", revoked_at__isnull=True).count() == 1


def test_a_fresh_key_when_the_printed_one_is_gone_or_no_longer_live(checkout):
    _bootstrap()
    first = checkout.read_text().strip()
    checkout.unlink()
    _bootstrap()
    second = checkout.read_text().strip()
    assert second != first
    assert _works(second) and not _works(first)  # a key nobody can read any more is revoked
    api_token_revoke(token=ApiToken.objects.get(revoked_at__isnull=True, name="demo (make run)"))
    _bootstrap()
    third = checkout.read_text().strip()
    assert third != second and _works(third)
    checkout.write_text("not-a-key-of-this-database\n")
    _bootstrap()
    assert checkout.read_text().strip() not in (third, "not-a-key-of-this-database")
    assert not _works(third)
