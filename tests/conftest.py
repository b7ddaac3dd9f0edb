"""Shared fixtures. Everything runs against the real PostGIS and Redis of this machine."""

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from rest_framework.test import APIClient
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

from backend.accounts.models import User
from backend.accounts.services import api_token_create, user_create
from backend.common.demo import reference_data_load
from backend.config.celery import app as celery_app
from backend.geo.models import Area
from tests.support.redis_server import RedisServer


@pytest.fixture(autouse=True)
def reference_data(request: pytest.FixtureRequest) -> None:
    """Taxonomy and demo areas for every test that uses the database.

    Loaded once for the whole session of plain `db` tests (they roll back); a transactional
    test truncates every table afterwards, so the next one loads them again.
    """
    names = request.fixturenames
    marker = request.node.get_closest_marker("django_db")
    transactional = marker is not None and bool(
        marker.kwargs.get("transaction") or (marker.args and marker.args[0])
    )
    if transactional or "transactional_db" in names or "live_server" in names:
        request.getfixturevalue("transactional_db")
    elif marker is not None or "db" in names:
        request.getfixturevalue("db")
    else:
        return
    if not Area.objects.filter(type="municipality").exists():
        reference_data_load()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        reference_data_load()


@pytest.fixture(autouse=True, scope="session")
def _media_dirs() -> Iterator[None]:
    yield
    shutil.rmtree(Path(settings.MEDIA_ROOT).parent, ignore_errors=True)


def files_under(root: str) -> list[Path]:
    return [p for p in Path(root).rglob("*") if p.is_file()]


@pytest.fixture
def dispatcher(db) -> User:
    return user_create(username="dispatcher", role=User.Role.DISPATCHER)


@pytest.fixture
def staff_client(dispatcher) -> APIClient:
    _, key = api_token_create(user=dispatcher, name="test")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


@pytest.fixture
def public_client() -> APIClient:
    return APIClient()


# Points of the demo municipality (fixtures/areas/README.md).
DAM = (52.3731, 4.8926)
NOORD = (52.39, 4.92)
HAARLEM = (52.3874, 4.6462)


@pytest.fixture
def live_asgi(transactional_db) -> Iterator[str]:
    """backend.config.asgi (HTTP and WebSocket) under uvicorn in a thread, sharing the test
    database; yields "host:port". pytest-django's live_server speaks WSGI only."""
    import threading

    import uvicorn

    from backend.config.asgi import application
    from tests.support.redis_server import free_port
    from tests.support.waiting import eventually

    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            application, host="127.0.0.1", port=port, lifespan="off", log_level="warning"
        )
    )
    thread = threading.Thread(target=server.run, name="uvicorn", daemon=True)
    thread.start()
    eventually(lambda: server.started, timeout=20, message="uvicorn did not start")
    yield f"127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def private_redis(tmp_path, settings) -> Iterator[RedisServer]:
    """Broker and channel layer on a redis-server of our own, so that a test may stop and
    start it (an outage) without harming anybody else; the shared test Redis of the settings
    serves every other test."""
    server = RedisServer(tmp_path)
    server.start()
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [server.url]},
        }
    }
    previous = celery_app.conf.broker_url
    celery_app.conf.broker_url = server.url
    celery_app._after_fork()  # drop pooled connections to the old broker
    yield server
    if server.process:
        server.stop()
    celery_app.conf.broker_url = previous
    celery_app._after_fork()


CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"


@pytest.fixture
def browser() -> Iterator[Any]:
    # Fail, never skip, without the browser: `make test` installs both packages.
    assert os.path.exists(CHROMIUM) and shutil.which(CHROMEDRIVER), (
        "needs Debian's chromium and chromium-driver (make test installs them)"
    )
    # Never let Selenium Manager look for (or download) a browser or driver.
    os.environ["SE_OFFLINE"] = "true"
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--window-size=390,844",  # a phone
    ):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()
