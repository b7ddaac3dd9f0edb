"""Fixtures of the staff API tests (a dispatcher's staff_client is in tests/conftest.py)."""

import pytest
from rest_framework.test import APIClient

from backend.accounts.models import User
from backend.accounts.services import api_token_create, user_create


@pytest.fixture
def admin_client(db) -> APIClient:
    user = user_create(username="routing-admin", role=User.Role.ADMIN)
    _, key = api_token_create(user=user, name="test")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client
