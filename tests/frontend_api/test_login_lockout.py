"""Staff logins: django-axes locks a username out from an address after LOGIN_FAILURE_LIMIT
wrong passwords (the right one is refused meanwhile), and clients sending unknown API tokens
are slowed down like token guessers."""

import json
import time
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.test import Client, RequestFactory
from rest_framework.test import APIClient

from backend.accounts.models import User
from backend.accounts.services import user_create
from frontend_api.common.throttling import lockout_response
from tests.frontend_api.public.test_throttles import assert_throttled

pytestmark = pytest.mark.django_db
LOGIN = "/admin/login/?next=/admin/"
PASSWORD = "correct horse battery staple"


@pytest.fixture
def admin_user() -> User:
    return user_create(
        username="beheerder", role=User.Role.ADMIN, email="b@gemeente.nl", password=PASSWORD
    )


@pytest.fixture
def lockout(settings):
    settings.AXES_FAILURE_LIMIT = 3
    return settings


def _login(client: Client, password: str):
    return client.post(LOGIN, {"username": "beheerder", "password": password})


def _logged_in(client: Client) -> bool:
    return client.get("/admin/").status_code == 200


def test_wrong_passwords_lock_the_admin_login_and_the_right_one_is_refused(admin_user, lockout):
    attacker = Client(REMOTE_ADDR="203.0.113.66")
    assert [_login(attacker, f"guess {n}").status_code for n in range(2)] == [200, 200]
    third = _login(attacker, "guess 2")
    assert third.status_code == 429
    assert int(third["Retry-After"]) == 15 * 60
    assert b"Too many failed logins" in third.content
    # Locked: the right password gets the same answer, and no session.
    right = _login(attacker, PASSWORD)
    assert right.status_code == 429
    assert not _logged_in(attacker)
    assert AccessAttempt.objects.filter(username="beheerder").exists()
    # Counted per username and address: the administrator at the office still gets in.
    office = Client(REMOTE_ADDR="198.51.100.5")
    assert _login(office, PASSWORD).status_code == 302
    assert _logged_in(office)


def test_a_successful_login_forgets_the_failures(admin_user, lockout):
    client = Client(REMOTE_ADDR="198.51.100.6")
    assert [_login(client, "typo").status_code for _ in range(2)] == [200, 200]
    assert _login(client, PASSWORD).status_code == 302
    client.logout()
    assert [_login(client, "typo").status_code for _ in range(2)] == [200, 200]
    assert _login(client, PASSWORD).status_code == 302


def test_the_lockout_ends_after_its_cool_off(admin_user, lockout):
    lockout.AXES_COOLOFF_TIME = timedelta(seconds=1)
    client = Client(REMOTE_ADDR="203.0.113.67")
    for n in range(3):
        _login(client, f"guess {n}")
    locked = _login(client, PASSWORD)
    assert locked.status_code == 429 and locked["Retry-After"] == "1"
    # Every attempt while locked starts the cool-off again: wait it out once, then log in.
    time.sleep(1.2)
    assert _login(client, PASSWORD).status_code == 302


def test_a_lockout_under_the_api_answers_in_the_error_shape(settings):
    request = RequestFactory().post("/api/v1/staff/login/")
    response = lockout_response(request, None, {"username": "beheerder"})
    assert response.status_code == 429
    assert int(response["Retry-After"]) == int(settings.AXES_COOLOFF_TIME.total_seconds())
    error = json.loads(response.content)["error"]
    assert error["code"] == "throttled"
    assert list(error["fields"]) == ["username"] and error["fields"]["username"][0]


def test_unknown_api_tokens_are_slowed_down_per_client(rate_limits, staff_client):
    rate_limits(auth_failure="3/10min")
    guesser = APIClient(REMOTE_ADDR="203.0.113.70")
    guesser.credentials(HTTP_AUTHORIZATION="Token not-a-real-key")
    statuses = [guesser.get("/api/v1/staff/reports/").status_code for _ in range(3)]
    assert statuses == [401, 401, 401]
    assert_throttled(guesser.get("/api/v1/staff/reports/"))
    # Refused before the lookup, a valid token included: a guesser learns nothing meanwhile.
    staff_key = staff_client._credentials["HTTP_AUTHORIZATION"]
    guesser.credentials(HTTP_AUTHORIZATION=staff_key)
    assert_throttled(guesser.get("/api/v1/staff/reports/"))
    # The dispatcher elsewhere works on, as often as they like.
    dispatcher = APIClient(REMOTE_ADDR="198.51.100.70")
    dispatcher.credentials(HTTP_AUTHORIZATION=staff_key)
    assert [dispatcher.get("/api/v1/staff/reports/").status_code for _ in range(5)] == [200] * 5
