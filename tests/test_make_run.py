"""What `make run` starts (scripts/processes.py), the URLs its banner prints (scripts/run.sh),
and the restart policies of the production shape (docker-compose.yml)."""

import re
from pathlib import Path

import pytest
import yaml
from django.conf import settings

from scripts.processes import table

ROOT = Path(settings.BASE_DIR)


def test_the_table_has_each_process_kind_once_and_takes_its_settings_from_the_environment():
    defaults = {p.name: p for p in table({})}
    assert list(defaults) == ["web", "worker", "photos", "bookkeeping", "beat"]
    assert defaults["web"].argv[:1] == (".venv/bin/uvicorn",)
    assert "--workers 2" in " ".join(defaults["web"].argv)
    assert "-n 10" in " ".join(defaults["photos"].argv)
    assert "-n 10" in " ".join(defaults["bookkeeping"].argv)
    # The workers keep one connection each instead of a pool Celery closes around every task.
    workers = ("worker", "photos", "bookkeeping")
    assert all(defaults[name].env == {"DATABASE_POOL": "false"} for name in workers)

    env = {
        "HOST": "192.0.2.1",
        "PORT": "9000",
        "WEB_CONCURRENCY": "3",
        "CELERY_CONCURRENCY": "4",
        "CELERY_NICE": "5",
        "PHOTO_CONCURRENCY": "2",
        "PHOTO_NICE": "0",
        "BOOKKEEPING_CONCURRENCY": "3",
        "BOOKKEEPING_NICE": "7",
        "CELERY_BEAT_SCHEDULE_FILE": "/tmp/beat",
    }
    given = {p.name: " ".join(p.argv) for p in table(env)}
    assert "--host 192.0.2.1 --port 9000 --workers 3" in given["web"]
    assert given["worker"].startswith("nice -n 5 ") and "--concurrency 4" in given["worker"]
    assert given["photos"].startswith("nice -n 0 ") and "--concurrency 2" in given["photos"]
    bookkeeping = given["bookkeeping"]
    assert bookkeeping.startswith("nice -n 7 ") and "--concurrency 3" in bookkeeping
    assert "--schedule /tmp/beat" in given["beat"]


def _banner_paths() -> list[str]:
    run_sh = (ROOT / "scripts" / "run.sh").read_text()
    return re.findall(r"\$PUBLIC_BASE_URL(/\S*)", run_sh)


def test_the_banner_prints_the_urls_it_always_did():
    assert len(_banner_paths()) == 5


@pytest.mark.parametrize("path", _banner_paths())
def test_every_url_the_start_banner_prints_answers(staff_client, path):
    # The banner's staff line says to send the demo token; a dispatcher's token stands in.
    assert staff_client.get(path).status_code == 200


def test_every_long_running_compose_service_is_restarted_when_it_dies():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    policies = {name: service.get("restart") for name, service in services.items()}
    assert policies.pop("migrate") == "no"  # one-off jobs
    assert policies.pop("storage-setup") == "no"
    assert set(policies.values()) == {"unless-stopped"}, policies
    # A worker that stays up but lost Redis, or a web that cannot answer, shows as unhealthy.
    assert "inspect ping" in " ".join(services["worker"]["healthcheck"]["test"])
    assert services["web"]["healthcheck"]["test"][-1] == "healthcheck"


def test_compose_keeps_photos_on_the_object_store_shared_by_every_replica():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    apps = ("web", "worker", "worker-background", "beat", "migrate")
    for name in apps:
        env = services[name]["environment"]
        assert env["STORAGE_BACKEND"] == "s3", name
        assert env["S3_ENDPOINT_URL"] == "http://minio:9000", name
        # No replica has a photo folder of its own that another could not see.
        assert not services[name].get("volumes"), name
    assert "minio" in services and "objects" in compose["volumes"]
    for name in ("web", "worker", "worker-background"):
        setup = services[name]["depends_on"]["storage-setup"]
        assert setup["condition"] == "service_completed_successfully", name
    # The proxy reaches processed photos only, never the private bucket.
    nginx = (ROOT / "deploy" / "nginx.conf").read_text()
    assert "proxy_pass http://minio:9000/meldpunt/media/photos/;" in nginx
    assert "meldpunt-private" not in nginx
