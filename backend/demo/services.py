"""The demo municipality: what `make run` loads so a fresh clone has something to show."""

from dataclasses import dataclass
from pathlib import Path

import yaml
from django.conf import settings

from backend.accounts.models import ApiToken, User
from backend.accounts.selectors import api_token_for_key
from backend.accounts.services import api_token_create, api_token_revoke, user_create
from backend.geo.services import addresses_load, area_import
from backend.organisations.models import Contractor
from backend.routing.services import RuleSetLoadResult, ruleset_load
from backend.routing.validation import files_read, rules_dir
from backend.taxonomy.services import taxonomy_load

DEMO_AREA_FILES = (
    ("municipality", "municipality.geojson"),
    ("district", "districts.geojson"),
    ("neighbourhood", "neighbourhoods.geojson"),
)
# The demo municipality's address extract (scripts/build_demo_addresses.py made it).
DEMO_ADDRESSES = Path("addresses") / "demo.csv"
DEMO_DISPATCHER = "demo-dispatcher"
_DEMO_TOKEN_NAME = "demo (make run)"  # noqa: S105 - a label, not a secret


@dataclass(frozen=True)
class DemoSetup:
    dispatcher: str
    token: str


def fixtures_dir() -> Path:
    return Path(settings.BASE_DIR) / "fixtures"


def reference_data_load() -> None:
    """Taxonomy, areas and addresses: everything the product needs before the first report
    (addresses are optional to the product, but the demo municipality has them)."""
    taxonomy_load(data=yaml.safe_load((fixtures_dir() / "taxonomy.yaml").read_text("utf-8")))
    for area_type, filename in DEMO_AREA_FILES:
        area_import(path=fixtures_dir() / "areas" / filename, type=area_type)
    loaded = addresses_load(source=fixtures_dir() / DEMO_ADDRESSES)
    if loaded.bad:
        raise ValueError(f"{DEMO_ADDRESSES}: {loaded.bad[0].where}: {loaded.bad[0].message}")


def demo_contractors_load() -> int:
    """The demo contractors the shipped routing rules name (idempotent, matched on code)."""
    data = yaml.safe_load((fixtures_dir() / "contractors.yaml").read_text("utf-8"))
    for item in data["contractors"]:
        Contractor.objects.update_or_create(
            code=item["code"], defaults={"name": item["name"], "email": item.get("email", "")}
        )
    return len(data["contractors"])


def demo_routing_load() -> RuleSetLoadResult:
    """The shipped rule set, active. The same files again change nothing (same content hash)."""
    return ruleset_load(files=files_read(rules_dir()))


def demo_setup(*, current_key: str = "") -> DemoSetup:
    """Reference data plus a dispatcher with a token.

    `current_key` is the key the last run printed (var/demo-token): while it is still the
    demo dispatcher's live demo token it is kept, so a later bootstrap (`make test`, another
    `make run`) leaves the key of a running server working. Otherwise the old demo tokens are
    revoked and a fresh one is made: a key whose file is gone has no reader left.
    """
    reference_data_load()
    demo_contractors_load()
    demo_routing_load()
    user = User.objects.filter(username=DEMO_DISPATCHER).first() or user_create(
        username=DEMO_DISPATCHER, role=User.Role.DISPATCHER
    )
    live = api_token_for_key(key=current_key) if current_key else None
    if live is not None and live.user_id == user.pk and live.name == _DEMO_TOKEN_NAME:
        return DemoSetup(dispatcher=user.username, token=current_key)
    for old in ApiToken.objects.filter(user=user, name=_DEMO_TOKEN_NAME, revoked_at__isnull=True):
        api_token_revoke(token=old)
    _, key = api_token_create(user=user, name=_DEMO_TOKEN_NAME)
    return DemoSetup(dispatcher=user.username, token=key)
