"""Two nodes on one database, one Redis and one object store: how they share the work.

Starts an S3-compatible server (moto's server mode, standing in for the object store) and two
nodes (scripts/nodes.py), each a web process and the workers (default queue and photos), with
media folders of their own; node b also runs beat. Then:

  - push latency across nodes: a resident's socket on node b, the change (a status transition
    through the staff API) made through node a; the same with the socket on node a as the
    baseline. Printed: request sent -> socket message, p50 / p95 / max, per case;
  - takeover drain: a burst of reports through both webs (every third with a photo, each with an
    e-mail address, so each owes a receipt mail), node a's workers killed with SIGKILL half way
    through; printed: from the kill until everything accepted is done (outbox published, mails
    sent, photos processed), and what node a's workers had done before they died.

Sweep and retry settings are the defaults of settings/ (what a dead worker's work waits for).

    DATABASE_URL=postgis://postgres@127.0.0.1:5432/meldpunt_mh \\
    REDIS_URL=redis://127.0.0.1:6379/5 \\
        .venv/bin/python bench/two_nodes.py

The database must be migrated; the demo reference data is loaded if missing. Its reports stay.
Only loopback servers are started; every loop is bounded in count and time.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.push import percentile  # noqa: E402
from scripts.nodes import Node, free_port_in  # noqa: E402

LAT, LON = 52.3731, 4.8926
CATEGORY = "wegen-verkeer-straatmeubilair/straatverlichting"


def _django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.config.settings")
    import django

    django.setup()


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


class ObjectStore:
    def __init__(self, port: int, workdir: Path):
        self.port = port
        self.bucket = f"meldpunt-bench-{uuid.uuid4().hex[:8]}"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
            stdout=open(workdir / "moto.log", "wb"),  # noqa: SIM115
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                httpx.get(f"http://127.0.0.1:{port}/moto-api/", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.2)
        import boto3

        boto3.client("s3", **self._client()).create_bucket(Bucket=self.bucket)

    def _client(self) -> dict[str, str]:
        return {
            "endpoint_url": f"http://127.0.0.1:{self.port}",
            "region_name": "us-east-1",
            "aws_access_key_id": "bench",
            "aws_secret_access_key": "bench",
        }

    def env(self) -> dict[str, str]:
        return {
            "STORAGE_BACKEND": "s3",
            "S3_ENDPOINT_URL": f"http://127.0.0.1:{self.port}",
            "S3_REGION": "us-east-1",
            "S3_BUCKET": self.bucket,
            "AWS_ACCESS_KEY_ID": "bench",
            "AWS_SECRET_ACCESS_KEY": "bench",
        }

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


def staff_token() -> str:
    _django()
    from django.core.management import call_command

    from backend.accounts.models import User
    from backend.accounts.services import api_token_create, user_create
    from backend.demo.services import reference_data_load
    from backend.geo.models import Area

    # Unapplied migrations would break the workers' fan-out, not this script: stop here.
    call_command("migrate", check=True, verbosity=0)
    if not Area.objects.filter(type="municipality").exists():
        reference_data_load()
    user = User.objects.filter(username="bench-two-nodes").first() or user_create(
        username="bench-two-nodes", role=User.Role.DISPATCHER
    )
    return api_token_create(user=user, name=f"two nodes {uuid.uuid4().hex[:6]}")[1]


def healthy(node: Node) -> bool:
    try:
        return httpx.get(f"{node.base_url}/health/", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def intake(http: httpx.Client, node: Node, n: int, photo: bytes | None) -> dict:
    fields = {
        "text": f"Lantaarnpaal {n} brandt niet",
        "lat": str(LAT + (n % 200) * 1e-5),  # within the demo municipality
        "lon": str(LON),
        "category": CATEGORY,
        "email": f"bench{n}-{uuid.uuid4().hex[:6]}@example.nl",
        "allow_contact": "true",
    }
    files = [("photos", (f"{n}.jpg", photo, "image/jpeg"))] if photo else None
    response = http.post(f"{node.base_url}/api/v1/public/reports/", data=fields, files=files)
    if response.status_code != 201:
        raise SystemExit(f"intake refused: {response.status_code} {response.text[:300]}")
    return response.json()


def push_latency(a: Node, b: Node, token: str, changes: int) -> dict[str, list[float]]:
    """request sent -> socket message (ms), with the socket on ``b`` and on ``a``; the change
    always through ``a``."""
    from websockets.sync.client import connect

    results: dict[str, list[float]] = {"socket on node b": [], "socket on node a": []}
    with httpx.Client(timeout=30) as http:
        for label, socket_node in (("socket on node b", b), ("socket on node a", a)):
            for n in range(changes):
                report = intake(http, a, 10_000 + n, None)
                url = f"ws://127.0.0.1:{socket_node.port}/ws/v1/reports/{report['tracking_token']}/"
                with connect(url, open_timeout=20) as ws:
                    # The socket's replay of what happened so far, then quiet.
                    while True:
                        try:
                            ws.recv(timeout=0.3)
                        except TimeoutError:
                            break
                    sent = time.monotonic()
                    answer = http.post(
                        f"{a.base_url}/api/v1/staff/reports/{report['id']}/transition/",
                        json={"to": "in_progress"},
                        headers={"Authorization": f"Token {token}"},
                    )
                    answer.raise_for_status()
                    while True:
                        message = json.loads(ws.recv(timeout=30))
                        if message.get("status") == "in_progress":
                            results[label].append((time.monotonic() - sent) * 1000)
                            break
    return results


def work_left(since_ids: set[str]) -> dict[str, int]:
    from backend.notifications.models import MailDelivery
    from backend.reports.models import Attachment, OutboxEntry

    ids = list(since_ids)
    return {
        "outbox": OutboxEntry.objects.filter(
            published_at__isnull=True, event__report_id__in=ids
        ).count(),
        "mails": MailDelivery.objects.filter(state="pending", event__report_id__in=ids).count()
        + (len(ids) - MailDelivery.objects.filter(event__report_id__in=ids).count()),
        "photos": Attachment.objects.filter(state="pending", report_id__in=ids).count(),
    }


def takeover(a: Node, b: Node, reports: int, rate: float) -> dict:
    from tests.support import images  # a small helper without Django

    photo = images.jpeg_bytes(1600, 1200)
    accepted: list[str] = []
    killed_at = 0.0
    with httpx.Client(timeout=30) as http:
        for n in range(reports):
            node = (a, b)[n % 2]
            accepted.append(intake(http, node, n, photo if n % 3 == 0 else None)["id"])
            if n == reports // 2:
                for kind in ("worker", "photos"):
                    a.kill(kind)
                killed_at = time.monotonic()
                log(f"killed node a's workers after {n + 1} reports")
            time.sleep(1 / rate)
    last_intake = time.monotonic()
    done_at = None
    left: dict[str, int] = {}
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        left = work_left(set(accepted))
        if not any(left.values()):
            done_at = time.monotonic()
            break
        time.sleep(0.5)
    return {
        "reports": len(accepted),
        "with photo": len(range(0, reports, 3)),
        "drained after kill s": None if done_at is None else round(done_at - killed_at, 1),
        "drained after last intake s": None if done_at is None else round(done_at - last_intake, 1),
        "left at give-up": left if done_at is None else {},
        "tasks node a finished": len(a.log("worker", "succeeded"))
        + len(a.log("photos", "succeeded")),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--changes", type=int, default=30, help="status changes per socket case")
    parser.add_argument("--reports", type=int, default=60, help="reports in the takeover burst")
    parser.add_argument("--rate", type=float, default=10.0, help="burst intake per second")
    parser.add_argument("--port-first", type=int, default=8140, help="first web port to try")
    parser.add_argument("--moto-port-first", type=int, default=8160)
    args = parser.parse_args(argv)

    workdir = Path(tempfile.mkdtemp(prefix="meldpunt-two-nodes-"))
    store = ObjectStore(
        free_port_in(range(args.moto_port_first, args.moto_port_first + 10)), workdir
    )
    token = staff_token()
    shared = dict(os.environ)
    shared.update(
        DJANGO_SETTINGS_MODULE="backend.config.settings",
        SECRET_KEY=os.environ.get("SECRET_KEY") or uuid.uuid4().hex * 2,
        **store.env(),
        HOST="127.0.0.1",
        WEB_CONCURRENCY="1",
        CELERY_CONCURRENCY="2",
        PHOTO_CONCURRENCY="1",
        RATE_LIMITS_ENABLED="false",
        EMAIL_URL="dummymail://",
    )
    nodes: list[Node] = []
    try:
        for name, kinds in (
            ("a", ("web", "worker", "photos")),
            ("b", ("web", "worker", "photos", "beat")),
        ):
            port = free_port_in(
                p
                for p in range(args.port_first, args.port_first + 20)
                if all(n.port != p for n in nodes)
            )
            env = {
                **shared,
                "PORT": str(port),
                "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
                "MEDIA_ROOT": str(workdir / name / "media"),
                "PRIVATE_MEDIA_ROOT": str(workdir / name / "private"),
                "CELERY_BEAT_SCHEDULE_FILE": str(workdir / f"beat-{name}"),
            }
            node = Node(name, kinds, env)
            node.start()
            nodes.append(node)
        a, b = nodes
        deadline = time.monotonic() + 180
        while not all(healthy(n) for n in nodes):
            if time.monotonic() > deadline:
                raise SystemExit("the nodes did not come up")
            time.sleep(0.5)
        time.sleep(5)  # the workers' start, after the webs'
        log("nodes up; push latency")
        latency = push_latency(a, b, token, args.changes)
        log("takeover burst")
        drain = takeover(a, b, args.reports, args.rate)
    finally:
        for node in nodes:
            node.stop()
        store.stop()

    print("two nodes (one PostgreSQL, one Redis, one S3-compatible store)")
    for label, values in latency.items():
        p50, p95 = percentile(values, 50), percentile(values, 95)
        print(
            f"  push, change through node a, {label}: n={len(values)} "
            f"p50 {p50:.0f} ms  p95 {p95:.0f} ms  max {max(values):.0f} ms"
        )
    print(
        f"  takeover: {drain['reports']} reports ({drain['with photo']} with a photo) through "
        f"both webs at {args.rate}/s, node a's workers killed half way"
    )
    print(
        f"    drained {drain['drained after kill s']} s after the kill, "
        f"{drain['drained after last intake s']} s after the last intake"
    )
    print(f"    tasks node a's workers finished before they died: {drain['tasks node a finished']}")
    if drain["left at give-up"]:
        print(f"    NOT drained within 600 s: {drain['left at give-up']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
