"""Open311 and Signalen list figures: how long a full page takes to answer, server side.

Files reports through intake until the database holds --reports of them (source open311, a
few hundred metres around the Dam), then asks, in this process through Django's test client
(the view, serializers and renderers; no network), --samples times each:
- Open311 `GET requests.json` and `requests.xml`, a page of 1,000 (the spec's default);
- Signalen `GET private/signals/` with a staff token, a HAL page of 100.
Prints p50/p95 in ms and the queries per request.

Writes reports: give it a database of its own, never the shared one:

    DATABASE_URL=postgis://postgres@127.0.0.1:5432/meldpunt_std \\
        .venv/bin/python bench/standards.py [--reports 1000] [--samples 20]
"""

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.config.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.gis.geos import Point  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from backend.accounts.models import User  # noqa: E402
from backend.accounts.services import api_token_create, user_create  # noqa: E402
from backend.demo.services import reference_data_load  # noqa: E402
from backend.geo.models import Area  # noqa: E402
from backend.reports.models import Report  # noqa: E402
from backend.reports.services import report_create  # noqa: E402
from backend.taxonomy.selectors import category_by_path  # noqa: E402


def fill(count: int) -> None:
    if not Area.objects.filter(type="municipality").exists():
        reference_data_load()
    have = Report.objects.filter(source=Report.Source.OPEN311).count()
    category = category_by_path("afval/container-is-vol")
    rng = random.Random(311)
    for _ in range(max(0, count - have)):
        report_create(
            text="Container vol (bench)",
            location=Point(
                4.8926 + rng.uniform(-0.004, 0.004), 52.3731 + rng.uniform(-0.003, 0.003)
            ),
            category=category,
            source=Report.Source.OPEN311,
        )


def measure(client: Client, url: str, samples: int, **headers: str) -> tuple[float, float, int]:
    times = []
    queries = 0
    for _ in range(samples):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(url, **headers)
            times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.content[:300]
        queries = len(captured.captured_queries)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1], queries


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reports", type=int, default=1000)
    parser.add_argument("--samples", type=int, default=20)
    args = parser.parse_args()
    settings.RATE_LIMITS_ENABLED = False
    settings.ALLOWED_HOSTS = ["*"]
    fill(args.reports)
    user = User.objects.filter(username="bench-standards").first() or user_create(
        username="bench-standards", role=User.Role.DISPATCHER
    )
    _, key = api_token_create(user=user, name="bench")
    client = Client()
    total = Report.objects.count()
    print(f"{total} reports in the database ({args.samples} samples each)")
    for label, url, headers in (
        ("open311 requests.json (1000)", "/open311/v2/requests.json", {}),
        ("open311 requests.xml (1000)", "/open311/v2/requests.xml", {}),
        (
            "signalen private/signals/ (100)",
            "/signals/v1/private/signals/",
            {"HTTP_AUTHORIZATION": f"Token {key}"},
        ),
    ):
        p50, p95, queries = measure(client, url, args.samples, **headers)
        print(f"{label:34} p50 {p50:7.1f} ms  p95 {p95:7.1f} ms  {queries} queries")


if __name__ == "__main__":
    main()
