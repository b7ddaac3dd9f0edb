"""Every time the system sends, in one form: UTC to the millisecond with a Z
(backend/common/times.py), whichever API, socket or webhook sends it."""

import json
import re
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from channels.routing import URLRouter
from django.conf import settings
from django.utils import timezone
from rest_framework import serializers
from rest_framework.test import APIClient

from backend.accounts.services import api_token_create
from backend.common.times import timestamp_text
from backend.contractors.models import Assignment, WebhookMessage
from backend.contractors.webhooks import webhook_body
from backend.notifications.delivery import push_payload
from backend.notifications.models import Subscription
from backend.reports.models import Report, ReportEvent
from frontend_api.common.serializers import TimestampField
from frontend_api.realtime.routing import websocket_urlpatterns
from tests.conftest import DAM
from tests.contractors.conftest import client_for, publish_all
from tests.reports.factories import make_report
from tests.support.websocket import SocketCommunicator, run_async, socket_events

LOOKS_LIKE_A_TIME = re.compile(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d")
ONE_FORM = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def _times(value: Any, where: str, found: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Every string in a JSON value that reads as a time, with where it was."""
    if isinstance(value, dict):
        for key, item in value.items():
            _times(item, f"{where}.{key}", found)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _times(item, f"{where}.{index}", found)
    elif isinstance(value, str) and LOOKS_LIKE_A_TIME.search(value):
        found.append((where, value))
    return found


def test_the_form():
    aware = timezone.datetime(2026, 7, 1, 14, 30, 5, 123456, tzinfo=timezone.get_current_timezone())
    assert timestamp_text(aware) == "2026-07-01T12:30:05.123Z"  # summer: +02:00 in Amsterdam
    winter = aware.replace(month=1, microsecond=0)
    assert timestamp_text(winter) == "2026-01-01T13:30:05.000Z"
    with pytest.raises(ValueError):
        timestamp_text(timezone.datetime(2026, 1, 1))


def _life(dispatcher_key: str, api_firm) -> dict[str, Any]:
    """A report's life through every API: the bodies each answered, by who asked."""
    make_report(text="De container is vol")  # a nearby report: a possible duplicate
    resident, staff = APIClient(), APIClient()
    staff.credentials(HTTP_AUTHORIZATION=f"Token {dispatcher_key}")
    bodies: dict[str, Any] = {}
    created = resident.post(
        "/api/v1/public/reports/",
        {
            "text": "Container zit vol",
            "lat": DAM[0],
            "lon": DAM[1],
            "category": "afval/container-is-vol",
            "email": "bewoner@example.nl",
            "allow_contact": True,
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    bodies["intake"] = created.json()
    report_id = bodies["intake"]["id"]
    staff_report = f"/api/v1/staff/reports/{report_id}/"
    assert staff.post(
        f"{staff_report}assign/", {"contractor": api_firm.code}, format="json"
    ).status_code in (200, 201)
    publish_all()
    assignment = Assignment.objects.get(report_id=report_id)
    contractor = client_for(api_firm)
    url = f"/api/v1/contractor/assignments/{assignment.id}/"
    assert contractor.post(f"{url}accept/").status_code == 200
    # A time given with Amsterdam's offset comes back in the one form.
    progress = contractor.post(
        f"{url}progress/", {"note": "Morgen", "scheduled_for": "2026-12-05T09:00:00+01:00"}
    )
    assert progress.status_code == 200, progress.content
    bodies["contractor progress"] = progress.json()
    bodies["contractor assignment"] = contractor.get(url).json()
    bodies["contractor list"] = contractor.get("/api/v1/contractor/assignments/").json()
    publish_all()
    bodies["staff report"] = staff.get(staff_report).json()
    bodies["staff events"] = staff.get(f"{staff_report}events/").json()
    bodies["staff assignments"] = staff.get(f"{staff_report}assignments/").json()
    bodies["staff list"] = staff.get("/api/v1/staff/reports/").json()
    bodies["staff webhooks"] = staff.get("/api/v1/staff/webhook-deliveries/").json()
    bodies["public report"] = resident.get(
        f"/api/v1/public/reports/{bodies['intake']['tracking_token']}/"
    ).json()
    bodies["webhooks"] = [
        json.loads(webhook_body(message)) for message in WebhookMessage.objects.order_by("pk")
    ]
    report = Report.objects.get(pk=report_id)
    pusher = Subscription(report=report, channel="push", origin="reporter", language="nl")
    bodies["web push"] = [
        json.loads(push_payload(event, report, pusher))
        for event in ReportEvent.objects.filter(report=report, is_public=True)
    ]
    return bodies


@pytest.mark.django_db(transaction=True)
@run_async
async def test_every_time_of_a_reports_life_has_one_form(dispatcher, api_firm):
    _, key = await sync_to_async(api_token_create)(user=dispatcher, name="feed")
    feed = SocketCommunicator(URLRouter(websocket_urlpatterns), f"/ws/v1/staff/feed/?token={key}")
    assert (await feed.connect())[0]
    bodies = await sync_to_async(_life)(key, api_firm)

    token = bodies["intake"]["tracking_token"]
    resident = SocketCommunicator(URLRouter(websocket_urlpatterns), f"/ws/v1/reports/{token}/")
    assert (await resident.connect())[0]
    public_events = len(bodies["public report"]["timeline"])
    bodies["resident socket"] = await socket_events(resident, public_events)
    # The nearby report's events and this one's, each staff-feed batch flattened.
    bodies["staff feed"] = await socket_events(feed, 3)
    for ws in (resident, feed):
        await ws.disconnect()

    found = _times(bodies, "", [])
    assert [(where, value) for where, value in found if not ONE_FORM.match(value)] == []
    sources = {where.split(".")[1] for where, _ in found}
    assert sources == set(bodies), set(bodies) - sources  # every source sent a time
    scheduled = [value for where, value in found if where.endswith("scheduled_for")]
    assert "2026-12-05T08:00:00.000Z" in scheduled


def test_no_answer_writes_a_time_with_drf_s_own_field():
    """DRF's DateTimeField writes the active zone's offset (+01:00 or +02:00): every
    serializer of the API declares TimestampField instead."""
    import frontend_api.urls  # noqa: F401  (imports every view and its serializers)

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    offenders, checked = [], 0
    for cls in subclasses(serializers.Serializer):
        if not cls.__module__.startswith("frontend_api."):
            continue
        for name, field in getattr(cls, "_declared_fields", {}).items():
            if isinstance(field, serializers.DateTimeField):
                checked += 1
                if not isinstance(field, TimestampField):
                    offenders.append(f"{cls.__module__}.{cls.__name__}.{name}")
    assert offenders == []
    assert checked >= 20
    assert settings.USE_TZ
