"""Shared fixtures. Everything runs against the real PostGIS and Redis of this machine.

Where a test lives: one that drives the HTTP or WebSocket API (the DRF views, the contractors'
link page, the consumers) is under tests/frontend_api/{public,staff,contractor,realtime}/, as
the code is under frontend_api/; one that calls a domain's services, tasks or commands is under
tests/<app>/. A fixture both kinds use is here.
"""

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from django.conf import settings
from py_vapid import Vapid, b64urlencode
from rest_framework.test import APIClient
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

from backend.accounts.models import User
from backend.accounts.services import api_token_create, user_create
from backend.classification.corpus import Example, seed_examples
from backend.classification.predict import active_model
from backend.config.celery import app as celery_app
from backend.demo.services import demo_contractors_load, reference_data_load
from backend.geo.models import Area
from backend.organisations.models import Contractor
from backend.reports.models import Attachment, IdempotencyKey, OutboxEntry, Report, ReportEvent
from backend.routing.active import active_ruleset
from backend.routing.models import RuleSet
from backend.routing.services import ruleset_load
from backend.routing.validation import files_read, rules_dir
from tests.support.redis_server import RedisServer

# A process a test starts with the production settings (a manage.py command, a worker) needs a
# key of its own: Django refuses the public built-in one with DEBUG off, and a worktree that no
# bootstrap ran in has no var/secret-key.
os.environ.setdefault("SECRET_KEY", settings.SECRET_KEY)


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


def stored_state() -> tuple[int, ...]:
    """What an intake stores, counted: rows of every kind and files, private and published.
    Equal before and after a refused request: it lost nothing and left nothing behind."""
    return (
        Report.objects.count(),
        ReportEvent.objects.count(),
        Attachment.objects.count(),
        OutboxEntry.objects.count(),
        IdempotencyKey.objects.count(),
        len(files_under(settings.PRIVATE_MEDIA_ROOT)),
        len(files_under(settings.MEDIA_ROOT)),
    )


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
    database; yields "host:port"."""
    from tests.support.asgi_server import asgi_server

    with asgi_server() as port:
        yield f"127.0.0.1:{port}"


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


@pytest.fixture
def rate_limits(settings):
    """Set some of settings.RATE_LIMITS low for a test of them (the suite's are out of reach),
    counted under a prefix of the test's own, so no other test's requests count."""
    settings.RATE_LIMIT_KEY_PREFIX = f"meldpunt-test:ratelimit:{uuid.uuid4().hex}"

    def set_rates(**rates: str) -> None:
        settings.RATE_LIMITS = {**settings.RATE_LIMITS, **rates}

    return set_rates


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
    # The console, so a test can read what the page logged (CSP violations among it).
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


def screenshot(browser: Any, name: str) -> None:
    """The page as the browser drew it, to var/screenshots/NAME.png, for a person to look at."""
    folder = Path(settings.BASE_DIR) / "var" / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    assert browser.save_screenshot(str(folder / f"{name}.png")), name


# Fixtures that a domain's tests (tests/<app>/) and the API tests of tests/frontend_api/ share.

# --- contractors -------------------------------------------------------------------------------


@pytest.fixture
def link_firm(db) -> Contractor:
    """A small firm without a system of its own: it works through one-time links."""
    return Contractor.objects.create(code="boomzorg", name="Boomzorg BV", email="werk@boomzorg.nl")


@pytest.fixture
def api_firm(db) -> Contractor:
    return Contractor.objects.create(
        code="paveco",
        name="Paveco",
        email="ops@paveco.nl",
        webhook_url="http://127.0.0.1:9/hook",
        webhook_secret="paveco-secret",
    )


@pytest.fixture
def other_firm(db) -> Contractor:
    return Contractor.objects.create(code="ongedierte", name="Ongedierte BV")


# --- routing -----------------------------------------------------------------------------------


@pytest.fixture
def fresh_ruleset_cache(settings) -> Iterator[None]:
    """Every test sees the active rule set at once, and none leaks into the next test
    (autouse in tests/routing/)."""
    settings.ROUTING_RELOAD_SECONDS = 0
    active_ruleset.forget()
    yield
    active_ruleset.forget()


@pytest.fixture
def contractors(db) -> None:
    """The demo contractors the shipped routing rules name."""
    demo_contractors_load()


@pytest.fixture
def shipped_rules(contractors) -> RuleSet:
    return ruleset_load(files=files_read(rules_dir())).ruleset


# --- classification ----------------------------------------------------------------------------

THREE = (
    "afval/container-is-vol",
    "wegen-verkeer-straatmeubilair/straatverlichting",
    "overlast-van-dieren/ratten",
)


@pytest.fixture(scope="session")
def three_categories() -> list[Example]:
    """A small, well-separated slice of the seed corpus: quick to train on."""
    examples = [e for e in seed_examples() if e.label in THREE]
    assert {e.label for e in examples} == set(THREE), "the seed corpus lacks one of THREE"
    return examples


@pytest.fixture
def fresh_model_cache(settings) -> Iterator[None]:
    """Every test sees the active classifier version at once, and none leaks into the next
    test (autouse in tests/classification/)."""
    settings.CLASSIFIER_RELOAD_SECONDS = 0
    active_model.forget()
    yield
    active_model.forget()


# --- notifications -----------------------------------------------------------------------------


def vapid_keypair() -> dict[str, str]:
    """VAPID_PRIVATE_KEY and VAPID_PUBLIC_KEY settings of a fresh key pair."""
    key = Vapid()
    key.generate_keys()
    return {
        "VAPID_PRIVATE_KEY": b64urlencode(
            key.private_key.private_numbers().private_value.to_bytes(32, "big")
        ),
        "VAPID_PUBLIC_KEY": b64urlencode(
            key.public_key.public_bytes(
                serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
            )
        ),
    }


@pytest.fixture
def vapid(settings):
    for name, value in vapid_keypair().items():
        setattr(settings, name, value)
    return settings
