import pytest

from backend.accounts.services import open311_key_create


@pytest.fixture
def open311_key(db) -> str:
    _, key = open311_key_create(name="test-app")
    return key
