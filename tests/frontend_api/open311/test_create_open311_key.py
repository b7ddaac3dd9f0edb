from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from backend.accounts.models import Open311Key
from backend.accounts.selectors import open311_key_for
from backend.common.tokens import token_hash


@pytest.mark.django_db
def test_prints_the_key_alone_on_its_last_line_and_stores_its_hash():
    out = StringIO()
    call_command("create_open311_key", "fixmystreet", stdout=out)
    key = out.getvalue().strip().splitlines()[-1]
    assert " " not in key and len(key) >= 40
    row = Open311Key.objects.get(name="fixmystreet")
    assert row.key_hash == token_hash(key) and key not in row.key_hash
    assert open311_key_for(key=key) == row


@pytest.mark.django_db
def test_a_name_is_taken_once():
    call_command("create_open311_key", "app", stdout=StringIO())
    with pytest.raises(CommandError):
        call_command("create_open311_key", "app", stdout=StringIO())
