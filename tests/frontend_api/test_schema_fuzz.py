"""Schemathesis against the running app (issue #14, "Also in the suite").

Every operation of the committed schema (frontend_api/openapi.yaml) is called with data
generated from it, valid and invalid, with a fixed seed and a bounded number of examples;
then sequences of calls follow the links between operations (a report filed, then read,
followed, answered through its tracking token). The server is the ASGI application under
uvicorn on the test database and the test Redis; staff operations carry an administrator's
token, the contractors' a contractor's, the residents' none. Every response must be a
documented status, in its documented shape, and none may be a server error.
"""

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import hypothesis
import pytest
import schemathesis
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings
from schemathesis.config import SchemathesisConfig

from backend.accounts.models import User
from backend.accounts.services import api_token_create, contractor_user_for, user_create
from backend.classification.corpus import seed_examples
from backend.classification.predict import active_model
from backend.classification.services import classifier_train
from backend.config.celery import app as celery_app
from backend.demo.services import reference_data_load
from backend.geo.models import Area
from backend.organisations.models import Contractor
from tests.conftest import DAM, THREE, vapid_keypair
from tests.contractors.conftest import offered

SEED = 20261204
# Per operation and generation mode; scenarios of linked calls. About two minutes here.
MAX_EXAMPLES = 8
STATEFUL_SCENARIOS = 20

CONFIG = SchemathesisConfig.from_dict(
    {
        "seed": SEED,
        "generation": {"max-examples": MAX_EXAMPLES, "database": "none"},
        "phases": {"stateful": {"max-steps": 6}},
        "checks": {
            # A request the schema admits may still be refused by a rule no schema can say: a
            # place outside the municipality, a rule set that does not validate. Those are
            # 400s naming the field, checked by every other check here.
            "positive_data_acceptance": {"enabled": False},
            # The links in mails open HTML pages by GET on the URLs the app POSTs to
            # (public/mail_pages.py); they are for browsers, outside the API's schema.
            "allow_header_conformance": {"enabled": False},
            # Schemathesis's list, and 413: a body that is invalid by being too large.
            "negative_data_rejection": {
                "expected-statuses": [400, 401, 403, 404, 405, 406, 409, 413, 415, 422]
            },
        },
    }
)
schema = schemathesis.openapi.from_path(
    Path(settings.BASE_DIR) / "frontend_api" / "openapi.yaml", config=CONFIG
)


@dataclass(frozen=True)
class Api:
    base_url: str
    staff_token: str
    contractor_token: str

    def headers_for(self, path: str) -> dict[str, str]:
        if path.startswith("/api/v1/staff/"):
            return {"Authorization": f"Token {self.staff_token}"}
        if path.startswith("/api/v1/contractor/"):
            return {"Authorization": f"Token {self.contractor_token}"}
        return {}


@pytest.fixture(scope="module")
def api(django_db_setup, django_db_blocker) -> Iterator[Api]:
    """The app under uvicorn, its data committed (the server's threads have connections of
    their own); the database is emptied afterwards, as a transactional test leaves it."""
    from tests.support.asgi_server import asgi_server

    with (
        django_db_blocker.unblock(),
        override_settings(**vapid_keypair()),
        contextlib.ExitStack() as cleanup,
    ):
        # A transactional test before this module emptied the tables (tests/conftest.py).
        if not Area.objects.filter(type="municipality").exists():
            reference_data_load()
        # Push and the classifier configured, as on a real installation: without them their
        # operations answer 503 and nothing behind them is tried.
        classifier_train(examples=[e for e in seed_examples() if e.label in THREE])
        active_model.forget()
        admin = user_create(username="fuzz-admin", role=User.Role.ADMIN)
        _, staff_token = api_token_create(user=admin, name="schemathesis")
        firm = Contractor.objects.create(code="fuzzfirm", name="Fuzz BV", email="werk@fuzz.nl")
        _, contractor_token = api_token_create(
            user=contractor_user_for(contractor=firm), name="schemathesis"
        )
        # Undone last: the database emptied once the server has stopped.
        cleanup.callback(active_model.forget)
        cleanup.callback(reference_data_load)
        cleanup.callback(call_command, "flush", interactive=False, verbosity=0)
        cleanup.callback(celery_app.control.purge)
        port = cleanup.enter_context(asgi_server())
        # Something for the links to lead to: reports filed through the real intake, and work
        # offered to the firm whose token the contractor operations carry.
        for text in ("Lantaarnpaal kapot", "Container vol", "Losliggende stoeptegel"):
            created = httpx.post(
                f"http://127.0.0.1:{port}/api/v1/public/reports/",
                json={"text": text, "lat": DAM[0], "lon": DAM[1], "email": "fuzz@example.nl"},
                timeout=30,
            )
            assert created.status_code == 201, created.text
        for _ in range(2):
            offered(firm, admin)
        yield Api(f"http://127.0.0.1:{port}", staff_token, contractor_token)


@schema.parametrize()
@hypothesis.settings(deadline=None, max_examples=MAX_EXAMPLES, database=None)
def test_every_operation_answers_as_documented(case: Any, api: Api) -> None:
    case.call_and_validate(base_url=api.base_url, headers=api.headers_for(case.path))


def test_call_sequences_along_the_links_answer_as_documented(api: Api) -> None:
    machine = schema.as_state_machine()
    answered: list[tuple[str, int]] = []

    class Scenarios(machine):  # type: ignore[valid-type,misc]
        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            return {"base_url": api.base_url, "headers": api.headers_for(case.path)}

        def after_call(self, response: Any, case: Any) -> None:
            answered.append((case.operation.label, response.status_code))

    Scenarios.run(
        settings=hypothesis.settings(
            max_examples=STATEFUL_SCENARIOS,
            stateful_step_count=6,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(hypothesis.HealthCheck),
        )
    )
    # The scenarios got somewhere: a call on an id or token that an earlier answer gave
    # (a random one is unknown: 404) succeeded.
    followed = {label for label, status in answered if "{" in label and status < 300}
    assert followed, sorted(set(answered))
