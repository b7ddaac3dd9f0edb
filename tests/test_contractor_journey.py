"""The whole road of a report that a contractor fixes, through every real part at once.

A resident reports a fallen tree in Noord -> the shipped routing rules give it to the tree
contractor -> the contractor's own server (a real local HTTP server) receives the signed
webhook -> the contractor accepts and completes with a photo over the contractor API -> the
resident's WebSocket (a real client on the real ASGI server) shows the completion -> the
contractor's completion does not close the report (auto_close off): a dispatcher approves and
the resident sees `closed`.
"""

import asyncio
import json

import httpx
import pytest
import websockets

from backend.accounts.services import api_token_create, contractor_token_create, user_create
from backend.config.celery import app as celery_app
from backend.demo.services import demo_contractors_load
from backend.organisations.models import Contractor
from backend.reports.models import Attachment, Report, ReportEvent
from backend.routing.active import active_ruleset
from backend.routing.services import ruleset_load
from backend.routing.validation import files_read, rules_dir
from tests.conftest import NOORD
from tests.contractors.receiver import Receiver, signature_valid
from tests.support import images
from tests.support.worker import running_worker

SECRET = "journey-webhook-secret"
RESIDENT_EMAIL = "bewoner@example.nl"
RESIDENT_PHONE = "+31612345678"


async def _until_status(ws, status: str, seen: list[dict]) -> dict:
    """Read the resident's socket until an event with this status arrives (pings skipped)."""
    while True:
        message = json.loads(await asyncio.wait_for(ws.recv(), timeout=30))
        if message.get("type") in ("ping", "pong"):
            continue
        seen.append(message)
        if message.get("status") == status:
            return message


@pytest.fixture
def routed_to_linde_groen(settings):
    settings.ROUTING_RELOAD_SECONDS = 0
    active_ruleset.forget()
    demo_contractors_load()
    ruleset_load(files=files_read(rules_dir()))
    yield
    active_ruleset.forget()


@pytest.mark.django_db(transaction=True)
def test_a_rule_sends_a_fallen_tree_to_the_contractor_and_the_resident_sees_it_fixed(
    live_asgi, routed_to_linde_groen, settings
):
    settings.PUBLIC_BASE_URL = f"http://{live_asgi}"
    _, staff_key = api_token_create(
        user=user_create(username="journey-dispatcher", role="dispatcher"), name="journey"
    )
    staff = {"Authorization": f"Token {staff_key}"}

    with Receiver(script=[200]) as receiver:
        firm = Contractor.objects.get(code="linde-groen")
        firm.webhook_url, firm.webhook_secret, firm.auto_close = receiver.url, SECRET, False
        firm.save()
        _, firm_key = contractor_token_create(contractor=firm, name="linde-groen-system")
        contractor = {"Authorization": f"Token {firm_key}"}

        async def journey() -> dict:
            seen: list[dict] = []
            async with httpx.AsyncClient(base_url=f"http://{live_asgi}", timeout=30) as http:
                created = await http.post(
                    "/api/v1/public/reports/",
                    json={
                        "text": "Er ligt een boom over het fietspad, je kunt er niet langs",
                        "category": "openbaar-groen-en-water/omgevallen-boom",
                        "lat": NOORD[0],
                        "lon": NOORD[1],
                        "email": RESIDENT_EMAIL,
                        "phone": RESIDENT_PHONE,
                        "allow_contact": True,
                    },
                )
                assert created.status_code == 201, created.text
                report = created.json()
                async with websockets.connect(
                    f"ws://{live_asgi}/ws/v1/reports/{report['tracking_token']}/?after=0",
                    origin="http://127.0.0.1",
                ) as ws:
                    # 1. The rule's offer reaches the contractor's server, signed.
                    [delivery] = await asyncio.to_thread(receiver.wait_for, 1)
                    assert signature_valid(SECRET, delivery.headers, delivery.body)
                    offered = delivery.json
                    assert offered["type"] == "assignment.offered"
                    assert RESIDENT_EMAIL not in delivery.body.decode()
                    assert "612345678" not in delivery.body.decode()
                    url = f"/api/v1/contractor/assignments/{offered['data']['assignment']['id']}"

                    # 2. The contractor accepts and completes with an "after" photo.
                    accepted = await http.post(f"{url}/accept/", headers=contractor)
                    assert accepted.status_code == 200, accepted.text
                    completed = await http.post(
                        f"{url}/complete/",
                        data={"note": "Boom verwijderd, fietspad vrij", "resolution": "fixed"},
                        files=[("photos", ("na.jpg", images.jpeg_bytes(800, 600), "image/jpeg"))],
                        headers=contractor,
                    )
                    assert completed.status_code == 200, completed.text

                    # 3. The resident sees it done, pending the municipality's check.
                    done = await _until_status(ws, "completed_by_contractor", seen)

                    # 4. A dispatcher approves; the resident sees the report closed.
                    staff_view = await http.get(
                        f"/api/v1/staff/reports/{report['id']}/", headers=staff
                    )
                    assert staff_view.json()["status"] == "completed_by_contractor"
                    approved = await http.post(
                        f"/api/v1/staff/reports/{report['id']}/transition/",
                        json={"to": "closed", "resolution": "fixed"},
                        headers=staff,
                    )
                    assert approved.status_code == 200, approved.text
                    closed = await _until_status(ws, "closed", seen)
            return {"report": report, "done": done, "closed": closed, "seen": seen}

        with running_worker(celery_app):
            outcome = asyncio.run(journey())

    report = Report.objects.get(pk=outcome["report"]["id"])
    routed = ReportEvent.objects.get(report=report, type="routed").internal_payload
    assert routed["rule"] == "fallen-trees-noord"
    assert report.contractor is not None and report.contractor.code == "linde-groen"
    assert report.status == "closed" and report.resolution == "fixed"
    assert Attachment.objects.filter(report=report, kind="contractor").count() == 1

    statuses = [event["status"] for event in outcome["seen"]]
    assert statuses == ["received", "assigned", "completed_by_contractor", "closed"]
    seqs = [event["seq"] for event in outcome["seen"]]
    assert seqs == sorted(set(seqs)), "each event once, in order"
    assert outcome["done"]["status_text"].startswith("Het werk is uitgevoerd")
    assert "opgelost" in outcome["closed"]["status_text"]
    # The resident's channel carries public payloads only: no contact details, no names.
    pushed = json.dumps(outcome["seen"])
    for secret in (RESIDENT_EMAIL, "612345678", "Linde", "linde-groen", "journey-dispatcher"):
        assert secret not in pushed
