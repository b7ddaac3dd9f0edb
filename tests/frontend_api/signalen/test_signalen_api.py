"""The Signalen-compatible API with the bodies Signalen's public documentation gives, its
answers checked against JSON Schemas written from that documentation."""

import uuid
from datetime import timedelta

import jsonschema
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from rest_framework.test import APIClient

from backend.accounts.services import contractor_token_create
from backend.reports.actors import ActorRef
from backend.reports.models import Attachment, Report, ReportEvent
from backend.reports.services import report_assign, report_transition
from backend.reports.tracking import tracking_token_of
from backend.reports.workflow import Resolution, Status
from tests.conftest import DAM, NOORD, stored_state
from tests.support.images import jpeg_bytes

BASE = "/signals/v1"
SUB = "http://testserver/signals/v1/public/terms/categories/afval/sub_categories/container-is-vol"

HREF = {"type": "object", "required": ["href"], "properties": {"href": {"type": "string"}}}
LINKS = {"type": "object", "required": ["self"], "properties": {"self": HREF}}
DATETIME = {"type": "string", "format": "date-time", "pattern": "(Z|[+-]\\d{2}:\\d{2})$"}
PUBLIC_SIGNAL = {
    "type": "object",
    "required": [
        "_links",
        "_display",
        "id",
        "id_display",
        "signal_id",
        "status",
        "created_at",
        "updated_at",
        "incident_date_start",
        "incident_date_end",
    ],
    "properties": {
        "_links": LINKS,
        "_display": {"type": "string"},
        "id": {"type": ["string", "integer"]},
        "id_display": {"type": "string"},
        "signal_id": {"type": "string", "format": "uuid"},
        "status": {
            "type": "object",
            "required": ["state", "state_display"],
            "properties": {
                "state": {"enum": ["OPEN", "CLOSED"]},
                "state_display": {"type": "string"},
            },
        },
        "created_at": DATETIME,
        "updated_at": DATETIME,
        "incident_date_start": DATETIME,
        "incident_date_end": {"anyOf": [DATETIME, {"type": "null"}]},
    },
    "additionalProperties": False,
}
SUB_CATEGORY = {
    "type": "object",
    "required": [
        "_links",
        "_display",
        "name",
        "slug",
        "handling",
        "departments",
        "is_active",
        "description",
        "handling_message",
        "public_name",
        "is_public_accessible",
    ],
    "properties": {
        "_links": LINKS,
        "departments": {
            "type": "array",
            "items": {"type": "object", "required": ["code", "name", "is_intern"]},
        },
        "is_active": {"type": "boolean"},
        "is_public_accessible": {"type": "boolean"},
    },
}
MAIN_CATEGORY = {
    "type": "object",
    "required": [
        "_links",
        "_display",
        "name",
        "slug",
        "public_name",
        "is_public_accessible",
        "sub_categories",
    ],
    "properties": {"_links": LINKS, "sub_categories": {"type": "array", "items": SUB_CATEGORY}},
}
HAL = {
    "type": "object",
    "required": ["_links", "count", "results"],
    "properties": {
        "_links": {
            "type": "object",
            "required": ["self", "next", "previous"],
            "properties": {
                "self": HREF,
                "next": {"anyOf": [HREF, {"type": "null"}]},
                "previous": {"anyOf": [HREF, {"type": "null"}]},
            },
        },
        "count": {"type": "integer"},
        "results": {"type": "array"},
    },
}
PRIVATE_SIGNAL = {
    "type": "object",
    "required": [
        "_links",
        "_display",
        "id",
        "signal_id",
        "text",
        "status",
        "location",
        "created_at",
    ],
    "properties": {
        "status": {
            "type": "object",
            "required": ["state", "state_display"],
            "properties": {"state": {"type": "string"}},
        },
        "location": {
            "type": "object",
            "required": ["geometrie"],
            "properties": {
                "geometrie": {
                    "type": "object",
                    "required": ["type", "coordinates"],
                    "properties": {"type": {"const": "Point"}},
                }
            },
        },
    },
    "not": {
        "anyOf": [{"required": ["reporter"]}, {"required": ["email"]}, {"required": ["phone"]}]
    },
}
FEATURES = {
    "type": "object",
    "required": ["type", "features"],
    "properties": {
        "type": {"const": "FeatureCollection"},
        "features": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["type", "geometry", "properties"],
                "properties": {
                    "type": {"const": "Feature"},
                    "geometry": {
                        "type": "object",
                        "properties": {
                            "type": {"const": "Point"},
                            "coordinates": {"type": "array", "minItems": 2, "maxItems": 2},
                        },
                    },
                    "properties": {
                        "type": "object",
                        "required": ["category", "created_at"],
                        "properties": {
                            "category": {
                                "type": "object",
                                "required": ["name", "slug", "parent"],
                            },
                            "created_at": DATETIME,
                        },
                        "additionalProperties": False,
                    },
                },
            },
        },
    },
}


def signal_body(**overrides) -> dict:
    body = {
        "text": "De container zit helemaal vol.",
        "location": {
            "geometrie": {"type": "Point", "coordinates": [DAM[1], DAM[0]]},
            "address": {"openbare_ruimte": "Dam", "huisnummer": "1", "woonplaats": "Amsterdam"},
        },
        "category": {"sub_category": SUB},
        "reporter": {
            "email": "bewoner@example.org",
            "phone": "0612345678",
            "sharing_allowed": True,
        },
        "incident_date_start": timezone.now().isoformat(),
        "source": "online",
        "extra_properties": [
            {"id": "extra_container", "label": "Welke container?", "answer": "Papier"}
        ],
    }
    body.update(overrides)
    return body


def create(client, **overrides) -> dict:
    response = client.post(f"{BASE}/public/signals/", signal_body(**overrides), format="json")
    assert response.status_code == 201, response.content
    return response.json()


@pytest.mark.django_db
class TestPublicSignals:
    def test_create_goes_through_intake_and_answers_signalens_shape(self, public_client):
        body = create(public_client)
        jsonschema.validate(body, PUBLIC_SIGNAL)
        assert body["status"]["state"] == "OPEN"
        report = Report.objects.get(id=body["signal_id"])
        assert report.category.path == "afval/container-is-vol"
        assert report.reporter_email == "bewoner@example.org" and report.allow_contact
        assert "Welke container?: Papier" in report.text
        assert ReportEvent.objects.filter(report=report, type="created").count() == 1
        assert "bewoner@example.org" not in str(body)

    def test_detail_by_uuid(self, public_client, dispatcher):
        body = create(public_client)
        again = public_client.get(f"{BASE}/public/signals/{body['signal_id']}").json()
        jsonschema.validate(again, PUBLIC_SIGNAL)
        assert again["signal_id"] == body["signal_id"]
        report_transition(
            report_id=body["signal_id"],
            actor=ActorRef.staff(dispatcher),
            to=Status.CLOSED,
            resolution=Resolution.FIXED,
        )
        closed = public_client.get(f"{BASE}/public/signals/{body['signal_id']}").json()
        assert closed["status"] == {"state": "CLOSED", "state_display": "Afgehandeld"}

    def test_unknown_signal_is_404_detail(self, public_client):
        response = public_client.get(f"{BASE}/public/signals/00000000-0000-0000-0000-000000000000")
        assert response.status_code == 404
        assert set(response.json()) == {"detail"}

    @pytest.mark.parametrize(
        ("case", "overrides", "field"),
        [
            ("unknown key", {"colour": "red"}, "non_field_errors"),
            ("no text", {"text": ""}, "text"),
            ("text too long", {"text": "x" * 3001}, "text"),
            ("no incident date", {"incident_date_start": None}, "incident_date_start"),
            ("no location", {"location": {}}, "location"),
            (
                "not a point",
                {"location": {"geometrie": {"type": "Polygon", "coordinates": [1, 2]}}},
                "location",
            ),
            ("unknown category", {"category": {"sub_category": "/x/y"}}, "category"),
            ("unknown reporter key", {"reporter": {"name": "Anna"}}, "reporter"),
        ],
    )
    def test_bad_bodies_are_refused_in_drf_shape_and_store_nothing(
        self, public_client, case, overrides, field
    ):
        before = stored_state()
        response = public_client.post(
            f"{BASE}/public/signals/", signal_body(**overrides), format="json"
        )
        assert response.status_code == 400, response.content
        assert field in response.json()
        assert stored_state() == before

    def test_unknown_keys_are_named(self, public_client):
        response = public_client.post(
            f"{BASE}/public/signals/", signal_body(colour="red", size=3), format="json"
        )
        assert response.json() == {"non_field_errors": ["Extra properties present: colour, size"]}

    def test_anonymous_reports_are_throttled(self, public_client, rate_limits):
        rate_limits(signalen_intake="1/hour")
        create(public_client)
        response = public_client.post(f"{BASE}/public/signals/", signal_body(), format="json")
        assert response.status_code == 429
        assert "detail" in response.json() and int(response["Retry-After"]) > 0


@pytest.mark.django_db
class TestCategories:
    def test_list_detail_and_sub_category(self, public_client):
        page = public_client.get(f"{BASE}/public/terms/categories/").json()
        jsonschema.validate(page, HAL)
        assert page["count"] == len(page["results"]) > 0
        for main in page["results"]:
            jsonschema.validate(main, MAIN_CATEGORY)
        afval = public_client.get(f"{BASE}/public/terms/categories/afval/").json()
        jsonschema.validate(afval, MAIN_CATEGORY)
        sub = public_client.get(SUB.removeprefix("http://testserver")).json()
        jsonschema.validate(sub, SUB_CATEGORY)
        assert sub["_links"]["self"]["href"] == SUB
        assert sub["departments"] == [
            {"code": "ASC", "name": "Afval en Stadsreiniging", "is_intern": True}
        ]
        # The self link of a sub category is what a POST names as its category.
        assert SUB in [s["_links"]["self"]["href"] for s in afval["sub_categories"]]

    def test_unknown_category_is_404(self, public_client):
        assert public_client.get(f"{BASE}/public/terms/categories/nope/").status_code == 404
        url = f"{BASE}/public/terms/categories/afval/sub_categories/nope"
        assert public_client.get(url).status_code == 404


@pytest.mark.django_db
def test_geography_shows_open_reports_in_the_box_without_contact_data(public_client, dispatcher):
    inside = create(public_client)
    closed = create(public_client)
    far = create(
        public_client,
        location={"geometrie": {"type": "Point", "coordinates": [NOORD[1], NOORD[0]]}},
    )
    report_transition(
        report_id=closed["signal_id"],
        actor=ActorRef.staff(dispatcher),
        to=Status.CLOSED,
        resolution=Resolution.FIXED,
    )
    bbox = f"{DAM[1] - 0.01},{DAM[0] - 0.01},{DAM[1] + 0.01},{DAM[0] + 0.01}"
    body = public_client.get(f"{BASE}/public/signals/geography", {"bbox": bbox}).json()
    jsonschema.validate(body, FEATURES)
    assert len(body["features"]) == 1
    feature = body["features"][0]
    assert feature["geometry"]["coordinates"] == pytest.approx([DAM[1], DAM[0]])
    assert feature["properties"]["category"]["parent"]["slug"] == "afval"
    assert "bewoner" not in str(body) and far["signal_id"] not in str(body)
    assert inside["signal_id"] not in str(body)  # no ids on the public map either
    near = public_client.get(
        f"{BASE}/public/signals/geography", {"lat": DAM[0], "lon": DAM[1]}
    ).json()
    assert len(near["features"]) == 1
    other = public_client.get(
        f"{BASE}/public/signals/geography",
        {"bbox": bbox, "maincategory_slug": "wegen-verkeer-straatmeubilair"},
    ).json()
    assert other["features"] == []
    assert public_client.get(f"{BASE}/public/signals/geography").status_code == 400


@pytest.mark.django_db
class TestFeedbackForms:
    def test_standard_answers(self, public_client):
        answers = public_client.get(f"{BASE}/public/feedback/standard_answers/").json()
        assert answers and {"is_satisfied", "text", "topic", "open_answer"} == set(answers[0])
        assert {a["is_satisfied"] for a in answers} == {True, False}

    def test_unhappy_feedback_asks_for_a_reopen_and_the_form_is_filled_once(
        self, public_client, dispatcher
    ):
        body = create(public_client)
        report = Report.objects.get(id=body["signal_id"])
        report_transition(
            report_id=report.id,
            actor=ActorRef.staff(dispatcher),
            to=Status.CLOSED,
            resolution=Resolution.FIXED,
        )
        url = f"{BASE}/public/feedback/forms/{tracking_token_of(report)}/"
        assert public_client.get(url).json() == {"signal_id": body["signal_id"]}
        answer = {
            "is_satisfied": False,
            "text": "Het probleem is niet opgelost",
            "text_extra": "Nog vol",
        }
        response = public_client.put(url, answer, format="json")
        assert response.status_code == 200, response.content
        report.refresh_from_db()
        assert report.status == Status.REOPEN_REQUESTED
        again = public_client.put(url, answer, format="json")
        assert again.status_code == 410 and again.json() == {"detail": "filled out"}

    def test_too_late_and_unknown(self, public_client, dispatcher, settings):
        body = create(public_client)
        report = Report.objects.get(id=body["signal_id"])
        report_transition(
            report_id=report.id,
            actor=ActorRef.staff(dispatcher),
            to=Status.CLOSED,
            resolution=Resolution.FIXED,
        )
        Report.objects.filter(id=report.id).update(
            closed_at=timezone.now() - timedelta(days=settings.FEEDBACK_WINDOW_DAYS + 1)
        )
        url = f"{BASE}/public/feedback/forms/{tracking_token_of(report)}/"
        late = public_client.put(url, {"is_satisfied": True}, format="json")
        assert late.status_code == 410 and late.json() == {"detail": "too late"}
        unknown = public_client.put(
            f"{BASE}/public/feedback/forms/nothing-here/", {"is_satisfied": True}, format="json"
        )
        assert unknown.status_code == 404


def token_client(key: str, scheme: str = "Token") -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"{scheme} {key}")
    return client


@pytest.mark.django_db
class TestPrivateSignals:
    def test_needs_a_token(self, public_client):
        assert public_client.get(f"{BASE}/private/signals/").status_code in (401, 403)
        assert token_client("wrong").get(f"{BASE}/private/signals/").status_code == 401

    def test_list_filters_by_state_and_department(self, public_client, staff_client, dispatcher):
        waste = create(public_client)
        report_transition(
            report_id=waste["signal_id"], actor=ActorRef.staff(dispatcher), to=Status.IN_PROGRESS
        )
        page = staff_client.get(f"{BASE}/private/signals/", {"status": "b"}).json()
        jsonschema.validate(page, HAL)
        for signal in page["results"]:
            jsonschema.validate(signal, PRIVATE_SIGNAL)
        assert [s["signal_id"] for s in page["results"]] == [waste["signal_id"]]
        assert page["results"][0]["status"]["state"] == "b"
        assert "bewoner@example.org" not in str(page)
        assert staff_client.get(f"{BASE}/private/signals/", {"status": "m"}).json()["count"] == 0
        by_department = staff_client.get(
            f"{BASE}/private/signals/?routing_department_code=ASC&status=b,m"
        ).json()
        assert by_department["count"] == 1
        assert (
            staff_client.get(f"{BASE}/private/signals/", {"routing_department_code": "WEG"}).json()[
                "count"
            ]
            == 0
        )

    def test_pages_link_to_each_other(self, public_client, staff_client):
        for _ in range(3):
            create(public_client)
        first = staff_client.get(f"{BASE}/private/signals/", {"page_size": 2}).json()
        assert first["count"] == 3 and len(first["results"]) == 2
        assert first["_links"]["previous"] is None
        second = staff_client.get(first["_links"]["next"]["href"]).json()
        assert len(second["results"]) == 1 and second["_links"]["next"] is None

    def test_patch_moves_the_report_through_our_workflow(self, public_client, staff_client):
        body = create(public_client)
        url = f"{BASE}/private/signals/{body['signal_id']}"
        response = staff_client.patch(
            url, {"status": {"state": "ingepland", "text": "Morgen"}}, format="json"
        )
        assert response.status_code == 200, response.content
        assert response.json()["status"]["state"] == "ingepland"
        closed = staff_client.patch(url, {"status": {"state": "o", "text": "Klaar"}}, format="json")
        assert closed.json()["status"]["state"] == "o"
        report = Report.objects.get(id=body["signal_id"])
        assert (report.status, report.resolution) == (Status.CLOSED, Resolution.FIXED)

    @pytest.mark.parametrize(
        ("state", "why"),
        [("h", "no place"), ("sent", "no place"), ("zz", "no place"), ("reopen requested", "")],
    )
    def test_refused_changes_leave_the_report_alone(self, public_client, staff_client, state, why):
        body = create(public_client)
        before = ReportEvent.objects.filter(report_id=body["signal_id"]).count()
        response = staff_client.patch(
            f"{BASE}/private/signals/{body['signal_id']}",
            {"status": {"state": state}},
            format="json",
        )
        # reopen requested is the resident's move only: the workflow table refuses staff.
        assert response.status_code == 400, response.content
        assert "status" in response.json()
        assert why in str(response.json())
        assert ReportEvent.objects.filter(report_id=body["signal_id"]).count() == before

    def test_patch_refuses_unknown_keys(self, public_client, staff_client):
        body = create(public_client)
        response = staff_client.patch(
            f"{BASE}/private/signals/{body['signal_id']}",
            {"status": {"state": "b"}, "priority": "high"},
            format="json",
        )
        assert response.status_code == 400
        assert response.json() == {"non_field_errors": ["Extra properties present: priority"]}

    def test_a_contractor_sees_and_moves_only_its_own(
        self, public_client, dispatcher, api_firm, other_firm
    ):
        mine = create(public_client)
        theirs = create(public_client)
        staff = ActorRef.staff(dispatcher)
        report_assign(report_id=mine["signal_id"], actor=staff, contractor=api_firm)
        report_assign(report_id=theirs["signal_id"], actor=staff, contractor=other_firm)
        _, key = contractor_token_create(contractor=api_firm, name="trade system")
        client = token_client(key, scheme="Bearer")
        page = client.get(f"{BASE}/private/signals/").json()
        assert [s["signal_id"] for s in page["results"]] == [mine["signal_id"]]
        assert client.get(f"{BASE}/private/signals/{theirs['signal_id']}").status_code == 404
        moved = client.patch(
            f"{BASE}/private/signals/{mine['signal_id']}",
            {"status": {"state": "b", "text": "Onderweg"}},
            format="json",
        )
        assert moved.status_code == 200, moved.content
        event = ReportEvent.objects.filter(
            report_id=mine["signal_id"], type="status_changed"
        ).last()
        assert event.actor_kind == "contractor"
        # Cancelling is the municipality's: the workflow refuses a contractor.
        refused = client.patch(
            f"{BASE}/private/signals/{mine['signal_id']}",
            {"status": {"state": "a"}},
            format="json",
        )
        assert refused.status_code == 400


@pytest.mark.django_db
class TestAttachments:
    def url(self, signal_id: str) -> str:
        return f"{BASE}/public/signals/{signal_id}/attachments/"

    def test_a_photo_after_filing_goes_the_usual_photo_way(self, public_client):
        body = create(public_client)
        photo = SimpleUploadedFile("foto.jpg", jpeg_bytes(), content_type="image/jpeg")
        response = public_client.post(self.url(body["signal_id"]), {"file": photo})
        assert response.status_code == 201, response.content
        answer = response.json()
        assert answer["is_image"] is True and "_links" in answer and "created_at" in answer
        report = Report.objects.get(id=body["signal_id"])
        [attachment] = report.attachments.all()
        assert attachment.state == Attachment.State.PENDING and attachment.original_path
        event = ReportEvent.objects.filter(report=report).last()
        assert event.type == "photos_added"
        assert event.internal_payload == {"attachments": [str(attachment.id)]}

    def test_not_an_image_and_closed_reports_are_refused(self, public_client, dispatcher):
        body = create(public_client)
        text = SimpleUploadedFile("notes.txt", b"hello", content_type="text/plain")
        before = stored_state()
        refused = public_client.post(self.url(body["signal_id"]), {"file": text})
        assert refused.status_code == 400 and "file" in str(refused.json())
        assert public_client.post(self.url(body["signal_id"]), {}).status_code == 400
        assert stored_state() == before
        report_transition(
            report_id=body["signal_id"],
            actor=ActorRef.staff(dispatcher),
            to=Status.CLOSED,
            resolution=Resolution.FIXED,
        )
        before = stored_state()
        photo = SimpleUploadedFile("foto.jpg", jpeg_bytes(), content_type="image/jpeg")
        closed = public_client.post(self.url(body["signal_id"]), {"file": photo})
        assert closed.status_code == 400 and "status" in closed.json()
        assert stored_state() == before
        unknown = public_client.post(self.url(str(uuid.uuid4())), {"file": photo})
        assert unknown.status_code == 404
