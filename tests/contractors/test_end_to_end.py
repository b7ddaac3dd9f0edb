"""A contractor's whole job through the real server, broker, worker and a real webhook receiver:
a dispatcher assigns -> the signed webhook arrives -> the contractor accepts, reports progress
and completes with a photo over the API -> a dispatcher approves -> the report is closed."""

import re

import httpx
import pytest

from backend.accounts.services import api_token_create, contractor_token_create, user_create
from backend.config.celery import app as celery_app
from backend.contractors.models import Assignment, WebhookMessage
from backend.organisations.models import Contractor
from backend.reports.actors import ActorRef
from backend.reports.models import Attachment
from backend.reports.services import report_assign
from backend.reports.tracking import tracking_token_for
from tests.contractors.receiver import Receiver, signature_valid
from tests.reports.factories import make_report
from tests.support import images
from tests.support.waiting import eventually
from tests.support.worker import running_worker


@pytest.mark.django_db(transaction=True)
def test_assignment_to_closed_report_through_webhook_and_api(live_server, settings):
    settings.PUBLIC_BASE_URL = live_server.url
    dispatcher = user_create(username="e2e-dispatcher", role="dispatcher")
    _, staff_key = api_token_create(user=dispatcher, name="e2e")
    staff = {"Authorization": f"Token {staff_key}"}

    with (
        Receiver(script=[200]) as receiver,
        running_worker(celery_app),
        httpx.Client(base_url=live_server.url, timeout=10) as http,
    ):
        firm = Contractor.objects.create(
            code="paveco",
            name="Paveco",
            webhook_url=receiver.url,
            webhook_secret="e2e-secret",
            auto_close=False,
        )
        _, firm_key = contractor_token_create(contractor=firm, name="paveco-system")
        contractor = {"Authorization": f"Token {firm_key}"}
        report = make_report(
            text="Stoeptegels liggen los", email="bewoner@example.nl", phone="+31612345678"
        )

        # 1. A dispatcher hands the report to the contractor.
        assigned = http.post(
            f"/api/v1/staff/reports/{report.id}/assign/",
            json={"contractor": "paveco"},
            headers=staff,
        )
        assert assigned.status_code == 200, assigned.text

        # 2. The contractor's system hears of it at once, signed.
        [delivery] = receiver.wait_for(1)
        assert signature_valid("e2e-secret", delivery.headers, delivery.body)
        event = delivery.json
        assert event["type"] == "assignment.offered"
        assert delivery.headers["X-Meldpunt-Event-Id"] == event["id"]
        assert "bewoner@example.nl" not in delivery.body.decode()
        assignment_id = event["data"]["assignment"]["id"]
        url = f"/api/v1/contractor/assignments/{assignment_id}"
        eventually(
            lambda: WebhookMessage.objects.filter(pk=event["id"], state="delivered").exists(),
            timeout=30,
            interval=0.1,
            message="timed out waiting for the delivery to be logged",
        )

        # 3. It accepts, plans, and completes with a photo of the result.
        listed = http.get("/api/v1/contractor/assignments/?state=offered", headers=contractor)
        assert [a["id"] for a in listed.json()["results"]] == [assignment_id]
        assert http.post(f"{url}/accept/", headers=contractor).status_code == 200
        progress = http.post(
            f"{url}/progress/",
            json={"note": "Donderdag", "scheduled_for": "2030-01-03T09:00:00+01:00"},
            headers=contractor,
        )
        assert progress.status_code == 200, progress.text
        completed = http.post(
            f"{url}/complete/",
            data={"note": "Tegels opnieuw gelegd", "resolution": "fixed"},
            files=[("photos", ("na.jpg", images.jpeg_bytes(1200, 900), "image/jpeg"))],
            headers=contractor,
        )
        assert completed.status_code == 200, completed.text
        assert completed.json()["state"] == "completed"
        detail = eventually(
            lambda: http.get(f"{url}/", headers=contractor).json(),
            until=lambda d: d["after_photos"],
            timeout=30,
            interval=0.1,
            message="timed out waiting for the after photo to be processed",
        )
        assert http.get(detail["after_photos"][0]["url"]).status_code == 200
        assert "bewoner@example.nl" not in str(detail) and "612345678" not in str(detail)

        # 4. Not auto_close: a dispatcher checks the result and closes the report.
        staff_view = http.get(f"/api/v1/staff/reports/{report.id}/", headers=staff).json()
        assert staff_view["status"] == "completed_by_contractor"
        closed = http.post(
            f"/api/v1/staff/reports/{report.id}/transition/",
            json={"to": "closed", "resolution": "fixed"},
            headers=staff,
        )
        assert closed.status_code == 200, closed.text

        public = http.get(f"/api/v1/public/reports/{tracking_token_for(report.id)}/").json()
        log = http.get("/api/v1/staff/webhook-deliveries/?contractor=paveco", headers=staff).json()

    assert [e["status"] for e in public["timeline"]] == [
        "received",
        "assigned",
        "scheduled",
        "completed_by_contractor",
        "closed",
    ]
    assert public["status"] == "closed"
    assert Attachment.objects.filter(report=report, kind="contractor", state="ready").count() == 1
    assert [(m["type"], m["state"], len(m["log"])) for m in log] == [
        ("assignment.offered", "delivered", 1)
    ]


@pytest.mark.django_db(transaction=True)
def test_a_firm_without_integration_gets_its_link_by_mail(live_server, settings, mailoutbox):
    settings.PUBLIC_BASE_URL = live_server.url
    dispatcher = user_create(username="e2e-dispatcher", role="dispatcher")
    firm = Contractor.objects.create(code="boomzorg", name="Boomzorg", email="werk@boomzorg.nl")
    report = make_report(text="Tak hangt over het fietspad", email="bewoner@example.nl")
    with (
        running_worker(celery_app),
        httpx.Client(timeout=10) as http,
    ):
        report_assign(report_id=report.id, actor=ActorRef.staff(dispatcher), contractor=firm)
        eventually(
            lambda: mailoutbox,
            timeout=30,
            interval=0.1,
            message="timed out waiting for the link e-mail",
        )
        [message] = mailoutbox
        assert message.to == ["werk@boomzorg.nl"]
        link = re.search(r"https?://\S+/contractor/link/\S+/", message.body).group(0)
        page = http.get(link)
        assert page.status_code == 200 and "Tak hangt over het fietspad" in page.text
        assert "bewoner@example.nl" not in page.text
        accepted = http.post(link, data={"action": "accept"})
        assert accepted.status_code == 303
    assert Assignment.objects.get(report=report).state == "accepted"
    assert not WebhookMessage.objects.exists()
