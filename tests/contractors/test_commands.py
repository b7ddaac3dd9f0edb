"""create_contractor, create_token --contractor, revoke_token."""

import io

import pytest
from django.core.management import CommandError, call_command

from backend.accounts.models import ApiToken, User
from backend.accounts.selectors import api_token_for_key
from backend.organisations.models import Contractor

pytestmark = pytest.mark.django_db


def _run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_create_contractor_creates_then_updates():
    output = _run(
        "create_contractor",
        "boomzorg",
        "--name",
        "Boomzorg BV",
        "--email",
        "werk@boomzorg.nl",
        "--auto-close",
    )
    assert output.startswith("created")
    firm = Contractor.objects.get(code="boomzorg")
    assert (firm.name, firm.email, firm.auto_close, firm.webhook_url) == (
        "Boomzorg BV",
        "werk@boomzorg.nl",
        True,
        "",
    )
    output = _run(
        "create_contractor",
        "boomzorg",
        "--name",
        "Boomzorg",
        "--webhook-url",
        "https://boomzorg.example/hooks",
    )
    assert output.startswith("updated")
    firm.refresh_from_db()
    assert firm.name == "Boomzorg" and firm.auto_close is True  # untouched when not given
    # A webhook URL without a secret gets a generated one, printed once.
    secret = output.split("webhook secret: ")[1].strip()
    assert firm.webhook_secret == secret and len(secret) >= 40
    _run("create_contractor", "boomzorg", "--name", "Boomzorg", "--webhook-secret", "s3cret")
    firm.refresh_from_db()
    assert firm.webhook_secret == "s3cret"


def test_create_contractor_refuses_bad_input():
    with pytest.raises(CommandError, match="webhook_url"):
        _run("create_contractor", "x", "--name", "X", "--webhook-url", "ftp://nope")
    with pytest.raises(CommandError, match="code"):
        _run("create_contractor", "no spaces", "--name", "X")
    assert not Contractor.objects.exists()


def test_create_token_for_a_contractor_and_revoke_it():
    Contractor.objects.create(code="paveco", name="Paveco")
    key = _run("create_token", "--contractor", "paveco", "planning-system").strip()
    token = api_token_for_key(key=key)
    assert token is not None and token.name == "planning-system"
    assert token.user.role == User.Role.CONTRACTOR and token.user.contractor.code == "paveco"
    assert not token.user.is_municipal_staff and token.user.is_contractor_user
    assert key not in ApiToken.objects.values_list("key_hash", flat=True)
    second = _run("create_token", "--contractor", "paveco", "backup").strip()
    assert api_token_for_key(key=second).user == token.user  # one API user per organisation

    assert "revoked" in _run("revoke_token", key[:8])
    assert api_token_for_key(key=key) is None
    assert api_token_for_key(key=second) is not None
    with pytest.raises(CommandError):
        _run("create_token", "--contractor", "unknown", "x")


def test_no_key_starts_with_a_dash_that_a_command_would_read_as_an_option():
    from backend.common.tokens import token_generate

    keys = [token_generate() for _ in range(2000)]
    assert not any(key.startswith("-") for key in keys)
    # Underscores, the other non-alphanumeric character, still lead some keys: the draw is
    # only refused on a dash.
    assert len({key[0] for key in keys}) > 60
