"""Console users (signed in through the login form, as a person does) and their reports."""

import pytest
from django.test import Client

from backend.accounts.models import User
from backend.accounts.services import user_create
from backend.taxonomy.selectors import department_by_code

PASSWORD = "een-lang-wachtwoord-voor-de-test"


def console_user(username: str, role: str, **kwargs) -> User:
    return user_create(username=username, role=role, password=PASSWORD, **kwargs)


def signed_in(user: User) -> Client:
    client = Client(enforce_csrf_checks=True)
    page = client.get("/console/login/")
    answer = client.post(
        "/console/login/",
        {
            "username": user.username,
            "password": PASSWORD,
            "csrfmiddlewaretoken": page.cookies["csrftoken"].value,
        },
    )
    assert answer.status_code == 302 and answer["Location"] == "/console/", answer.content[:300]
    return client


def post(client: Client, url: str, data: dict) -> object:
    """A form post with the CSRF token, as the page sends it."""
    return client.post(url, {**data, "csrfmiddlewaretoken": client.cookies["csrftoken"].value})


@pytest.fixture
def dispatcher_user(db) -> User:
    return console_user("anna", User.Role.DISPATCHER, may_see_contact=True)


@pytest.fixture
def dispatcher_console(dispatcher_user) -> Client:
    return signed_in(dispatcher_user)


@pytest.fixture
def waste_staff(db) -> User:
    return console_user("wim", User.Role.DEPARTMENT, department=department_by_code("ASC"))
