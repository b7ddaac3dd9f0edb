"""Two nodes on one database, one Redis and one object store, each with its own web process,
its own worker and its own media folders (as two hosts have): a photo uploaded through one is
processed by the other's worker and served through both, with nothing on either disk; a socket
on one node hears a change made through the other."""

import io
import json
import os
import uuid
from collections.abc import Iterator

import httpx
import pytest
from PIL import Image
from websockets.sync.client import connect

from backend.accounts.models import User
from backend.accounts.services import api_token_create, user_create
from backend.reports.models import Attachment
from scripts.nodes import Node, free_port_in
from tests.conftest import DAM, files_under
from tests.support import images
from tests.support.object_store import ObjectStore
from tests.support.stack import database_url_of_this_test
from tests.support.waiting import eventually

pytestmark = pytest.mark.django_db(transaction=True)
_TEST_ONLY = ("DJANGO_SETTINGS_MODULE", "TEST_REDIS_URL", "DATABASE_TEST_NAME", "PYTEST_VERSION")
WEB_PORTS = range(int(os.environ.get("NODE_PORT_FIRST", "8140")), 8160)


@pytest.fixture
def store(tmp_path) -> Iterator[ObjectStore]:
    server = ObjectStore(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def nodes(private_redis, store, tmp_path) -> Iterator[tuple[Node, Node]]:
    shared = {k: v for k, v in os.environ.items() if k not in _TEST_ONLY}
    shared.update(
        DJANGO_SETTINGS_MODULE="backend.config.settings",
        DATABASE_URL=database_url_of_this_test(),
        REDIS_URL=private_redis.url,
        # What must match on every node (docs/operations.md).
        SECRET_KEY=uuid.uuid4().hex + uuid.uuid4().hex,
        TRACKING_TOKEN_SECRET=uuid.uuid4().hex,
        **store.env(),
        HOST="127.0.0.1",
        WEB_CONCURRENCY="1",
        CELERY_CONCURRENCY="1",
        PHOTO_CONCURRENCY="1",
        PHOTO_NICE="0",
        RATE_LIMITS_ENABLED="false",
    )
    made = []
    # Node a: web and the default queue's worker. Node b: web, the photo worker, and beat. A
    # photo that comes in through a can only be processed on b.
    for name, kinds in (("a", ("web", "worker")), ("b", ("web", "photos", "beat"))):
        port = free_port_in(p for p in WEB_PORTS if all(n.port != p for n in made))
        env = {
            **shared,
            "PORT": str(port),
            "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
            "MEDIA_ROOT": str(tmp_path / name / "media"),
            "PRIVATE_MEDIA_ROOT": str(tmp_path / name / "private"),
            "CELERY_BEAT_SCHEDULE_FILE": str(tmp_path / f"celerybeat-schedule-{name}"),
        }
        node = Node(name, kinds, env)
        node.start()
        made.append(node)
    yield made[0], made[1]
    for node in made:
        node.stop()
    print("\n".join(line for node in made for line in node.lines[-60:]))


def _healthy(node: Node) -> bool:
    try:
        return httpx.get(f"{node.base_url}/health/", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


@pytest.mark.timeout(420)
def test_a_photo_uploaded_through_one_node_is_processed_by_the_other_and_served_by_both(
    nodes, store, tmp_path
):
    a, b = nodes
    for node in nodes:
        eventually(
            lambda node=node: _healthy(node),
            timeout=180,
            interval=0.5,
            message=f"node {node.name} did not come up",
        )
    dispatcher = user_create(username="dispatcher", role=User.Role.DISPATCHER)
    _, staff_key = api_token_create(user=dispatcher, name="two nodes")

    data = images.jpeg_bytes(1200, 900, gps=(52.3731, 4.8926), camera=True)
    created = httpx.post(
        f"{a.base_url}/api/v1/public/reports/",
        data={
            "text": "Lantaarnpaal brandt niet",
            "lat": str(DAM[0]),
            "lon": str(DAM[1]),
            "category": "wegen-verkeer-straatmeubilair/straatverlichting",
        },
        files=[("photos", ("p.jpg", data, "image/jpeg"))],
        timeout=30,
    )
    assert created.status_code == 201, created.text
    body = created.json()
    token = body["tracking_token"]

    def photos_through(node: Node) -> list[dict]:
        response = httpx.get(f"{node.base_url}/api/v1/public/reports/{token}/", timeout=10)
        assert response.status_code == 200, response.text
        return response.json()["photos"]

    eventually(
        lambda: photos_through(a),
        timeout=120,
        interval=0.5,
        message="the photo was never processed",
    )
    attachment = Attachment.objects.get(report_id=body["id"])
    assert attachment.state == "ready"
    # Node b's photo worker did it: node a has none.
    assert b.log("photos", "attachment_process_task") and b.log("photos", "succeeded")

    served = []
    for node in nodes:
        (photo,) = photos_through(node)
        response = httpx.get(photo["url"], timeout=10)
        assert response.status_code == 200, (node.name, photo["url"])
        assert Image.open(io.BytesIO(response.content)).size == (1200, 900)
        assert not images.has_any_metadata(response.content)
        served.append(response.content)
    assert served[0] == served[1]

    # The raw upload, with its GPS position, is gone; neither node's disk holds a photo.
    assert store.keys(store.private_bucket) == []
    assert sorted(store.keys(store.bucket)) == sorted(
        [f"media/{attachment.file}", f"media/{attachment.thumbnail}"]
    )
    for name in ("a", "b"):
        assert files_under(str(tmp_path / name)) == []

    # A resident's socket on node b hears a change made through node a.
    with connect(f"ws://127.0.0.1:{b.port}/ws/v1/reports/{token}/", open_timeout=20) as socket:
        changed = httpx.post(
            f"{a.base_url}/api/v1/staff/reports/{body['id']}/transition/",
            json={"to": "in_progress"},
            headers={"Authorization": f"Token {staff_key}"},
            timeout=10,
        )
        assert changed.status_code == 200, changed.text
        heard = []
        while not any(m.get("status") == "in_progress" for m in heard):
            message = json.loads(socket.recv(timeout=30))
            if message.get("type") != "ping":
                heard.append(message)
    assert [m["type"] for m in heard][-1] == "status_changed"
