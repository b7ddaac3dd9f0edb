"""Open311 GeoReport v2 through the test client: every call in both formats, checked against
the spec's schemas (schemas.py) and, for XML, parsed element by element; every error the spec
names."""

from datetime import timedelta
from urllib.parse import urlencode
from xml.etree import ElementTree as ET

import jsonschema
import pytest
from django.utils import timezone

from backend.accounts.models import Open311Key
from backend.accounts.services import open311_key_create, open311_key_revoke
from backend.reports.actors import ActorRef
from backend.reports.models import Report, ReportEvent
from backend.reports.services import report_transition
from backend.reports.workflow import Resolution, Status
from tests.conftest import DAM, HAARLEM, stored_state

from . import schemas

BASE = "/open311/v2"
FORM = "application/x-www-form-urlencoded"


def post_form(client, path: str, data: dict, **extra):
    return client.post(f"{BASE}/{path}", urlencode(data, doseq=True), content_type=FORM, **extra)


def new_request(client, key: str, **overrides) -> dict:
    body = {
        "api_key": key,
        "service_code": "afval.container-is-vol",
        "lat": DAM[0],
        "long": DAM[1],
        "description": "De container op de hoek zit vol.",
        "email": "bewoner@example.org",
        "phone": "0612345678",
        "first_name": "Anna",
        "last_name": "Jansen",
        "account_id": "acc-1",
        "device_id": "dev-1",
    }
    body.update(overrides)
    body = {k: v for k, v in body.items() if v is not None}
    response = post_form(client, "requests.json", body)
    assert response.status_code == 201, response.content
    return response.json()[0]


def xml_of(response) -> ET.Element:
    assert response["Content-Type"].startswith("text/xml")
    return ET.fromstring(response.content)  # noqa: S314 - our own answer, in a test


def xml_items(root: ET.Element, item: str) -> list[dict[str, str]]:
    """Each <item> as {child tag: text}, the way an XML client reads the answer."""
    return [{child.tag: (child.text or "") for child in entry} for entry in root.findall(item)]


def errors_of(response, status: int) -> list[dict]:
    assert response.status_code == status, response.content
    body = response.json()
    jsonschema.validate(body, schemas.ERRORS)
    assert all(error["code"] == status for error in body)
    return body


def xml_errors_of(response, status: int) -> list[dict[str, str]]:
    assert response.status_code == status, response.content
    root = xml_of(response)
    assert root.tag == "errors"
    errors = xml_items(root, "error")
    assert errors and all(e["code"] == str(status) and e["description"] for e in errors)
    return errors


@pytest.mark.django_db
class TestDiscoveryAndServices:
    def test_discovery_json_and_xml(self, public_client):
        body = public_client.get(f"{BASE}/discovery.json").json()
        jsonschema.validate(body, schemas.DISCOVERY)
        assert body["endpoints"][0]["specification"] == "http://wiki.open311.org/GeoReport_v2"
        root = xml_of(public_client.get(f"{BASE}/discovery.xml"))
        assert root.tag == "discovery"
        endpoint = root.find("endpoints/endpoint")
        assert endpoint is not None
        formats = [f.text for f in endpoint.findall("formats/format")]
        assert formats == ["text/xml", "application/json"]

    def test_services_are_our_sub_categories(self, public_client):
        body = public_client.get(f"{BASE}/services.json").json()
        jsonschema.validate(body, schemas.SERVICES)
        codes = {s["service_code"]: s for s in body}
        assert codes["afval.container-is-vol"]["group"] == "Afval"
        assert codes["afval.container-is-vol"]["service_name"] == "Container is vol"
        assert "Container is full" in codes["afval.container-is-vol"]["keywords"]
        root = xml_of(public_client.get(f"{BASE}/services.xml"))
        assert root.tag == "services"
        services = xml_items(root, "service")
        assert len(services) == len(body)
        assert set(services[0]) == set(body[0])
        assert services[0]["metadata"] in ("true", "false")

    def test_services_in_english_when_asked(self, public_client):
        body = public_client.get(f"{BASE}/services.json", HTTP_ACCEPT_LANGUAGE="en").json()
        names = {s["service_code"]: s["service_name"] for s in body}
        assert names["afval.container-is-vol"] == "Container is full"

    def test_service_definition(self, public_client):
        body = public_client.get(f"{BASE}/services/afval.container-is-vol.json").json()
        jsonschema.validate(body, schemas.SERVICE_DEFINITION)
        assert body["service_code"] == "afval.container-is-vol"
        root = xml_of(public_client.get(f"{BASE}/services/afval.container-is-vol.xml"))
        assert root.tag == "service_definition"
        assert root.findtext("service_code") == "afval.container-is-vol"
        assert root.find("attributes") is not None

    def test_unknown_service_is_404_in_both_formats(self, public_client):
        errors_of(public_client.get(f"{BASE}/services/afval.nope.json"), 404)
        xml_errors_of(public_client.get(f"{BASE}/services/afval.nope.xml"), 404)

    def test_unknown_resource_is_404_in_the_suffix_format(self, public_client):
        errors_of(public_client.get(f"{BASE}/nothing.json"), 404)
        xml_errors_of(public_client.get(f"{BASE}/nothing.xml"), 404)


@pytest.mark.django_db
class TestPostRequest:
    def test_post_creates_a_report_through_intake(self, public_client, open311_key):
        response = post_form(
            public_client,
            "requests.json",
            {
                "api_key": open311_key,
                "service_code": "afval.container-is-vol",
                "lat": DAM[0],
                "long": DAM[1],
                "description": "Vol.",
                "email": "bewoner@example.org",
                "account_id": "acc-9",
            },
        )
        assert response.status_code == 201
        body = response.json()
        jsonschema.validate(body, schemas.POST_REQUEST)
        assert body[0]["account_id"] == "acc-9"
        report = Report.objects.get(id=body[0]["token"])
        assert report.source == Report.Source.OPEN311
        assert report.category.path == "afval/container-is-vol"
        assert report.reporter_email == "bewoner@example.org"
        assert report.text == "Vol."
        assert ReportEvent.objects.filter(report=report, type="created").count() == 1

    def test_post_in_xml(self, public_client, open311_key):
        response = post_form(
            public_client,
            "requests.xml",
            {
                "api_key": open311_key,
                "service_code": "afval.grofvuil",
                "lat": DAM[0],
                "long": DAM[1],
            },
        )
        assert response.status_code == 201
        root = xml_of(response)
        assert root.tag == "service_requests"
        [created] = xml_items(root, "request")
        assert created["service_request_id"]
        assert set(created) >= {"service_request_id", "service_notice", "account_id"}
        # Without a description the service's name says what it is.
        assert Report.objects.get(id=created["token"]).text == "Grofvuil"

    def test_address_string_and_address_id_are_geocoded_from_the_loaded_addresses(
        self, public_client, open311_key
    ):
        by_text = new_request(
            public_client, open311_key, lat=None, long=None, address_string="Dam 2, Amsterdam"
        )
        report = Report.objects.get(id=by_text["token"])
        assert report.address is not None
        assert (report.address.street, report.address.number) == ("Dam", 2)
        assert report.location.equals_exact(report.address.point, tolerance=1e-9)
        by_id = new_request(
            public_client, open311_key, lat=None, long=None, address_id=str(report.address_id)
        )
        assert Report.objects.get(id=by_id["token"]).address_id == report.address_id
        [shown] = public_client.get(f"{BASE}/requests/{by_text['service_request_id']}.json").json()
        assert shown["address"] == "Dam 2, 1012 JS Amsterdam"
        assert shown["zipcode"] == "1012JS"
        assert shown["address_id"] == str(report.address_id)

    def test_media_url_is_kept_for_the_dispatcher_never_fetched(self, public_client, open311_key):
        created = new_request(public_client, open311_key, media_url="https://example.org/p.jpg")
        report = Report.objects.get(id=created["token"])
        assert "https://example.org/p.jpg" in report.text
        assert report.attachments.count() == 0

    @pytest.mark.parametrize(
        ("case", "body", "word"),
        [
            ("no service_code", {"lat": DAM[0], "long": DAM[1]}, "service_code"),
            ("unknown service_code", {"service_code": "x.y", "lat": DAM[0], "long": DAM[1]}, "x.y"),
            ("no location", {"service_code": "afval.grofvuil"}, "lat"),
            ("lat without long", {"service_code": "afval.grofvuil", "lat": DAM[0]}, "long"),
            (
                "lat out of range",
                {"service_code": "afval.grofvuil", "lat": 123, "long": DAM[1]},
                "lat",
            ),
            (
                "outside the municipality",
                {"service_code": "afval.grofvuil", "lat": HAARLEM[0], "long": HAARLEM[1]},
                "",
            ),
            (
                "description too long",
                {
                    "service_code": "afval.grofvuil",
                    "lat": DAM[0],
                    "long": DAM[1],
                    "description": "x" * 4001,
                },
                "description",
            ),
            (
                "bad email",
                {"service_code": "afval.grofvuil", "lat": DAM[0], "long": DAM[1], "email": "no"},
                "email",
            ),
            (
                "unknown address_string",
                {"service_code": "afval.grofvuil", "address_string": "Nergensstraat 999"},
                "address_string",
            ),
        ],
    )
    def test_bad_input_is_400_in_the_spec_shape_and_stores_nothing(
        self, public_client, open311_key, case, body, word
    ):
        before = stored_state()
        errors = errors_of(
            post_form(public_client, "requests.json", {"api_key": open311_key, **body}), 400
        )
        assert word in " ".join(e["description"] for e in errors)
        xml_errors_of(
            post_form(public_client, "requests.xml", {"api_key": open311_key, **body}), 400
        )
        assert stored_state() == before

    def test_missing_or_wrong_api_key_is_403(self, public_client, open311_key):
        body = {"service_code": "afval.grofvuil", "lat": DAM[0], "long": DAM[1]}
        before = stored_state()
        errors = errors_of(post_form(public_client, "requests.json", body), 403)
        assert "api_key" in errors[0]["description"]
        errors_of(post_form(public_client, "requests.json", {**body, "api_key": "nope"}), 403)
        xml_errors_of(post_form(public_client, "requests.xml", {**body, "api_key": "nope"}), 403)
        assert stored_state() == before

    def test_revoked_key_is_403(self, public_client):
        row, key = open311_key_create(name="gone")
        open311_key_revoke(key=row)
        body = {"api_key": key, "service_code": "afval.grofvuil", "lat": DAM[0], "long": DAM[1]}
        errors_of(post_form(public_client, "requests.json", body), 403)

    def test_keys_are_stored_hashed_and_stamped_when_used(self, public_client):
        row, key = open311_key_create(name="fms")
        assert key not in (row.key_hash, row.prefix) and len(row.key_hash) == 64
        assert not Open311Key.objects.filter(key_hash=key).exists()
        new_request(public_client, key)
        row.refresh_from_db()
        assert row.last_used_at is not None


@pytest.mark.django_db
class TestGetRequests:
    def test_list_and_one_in_both_formats_without_contact_data(self, public_client, open311_key):
        created = new_request(public_client, open311_key)
        body = public_client.get(f"{BASE}/requests.json").json()
        jsonschema.validate(body, schemas.REQUESTS)
        [found] = [r for r in body if r["service_request_id"] == created["service_request_id"]]
        assert found["status"] == "open"
        assert found["service_request_id"].startswith("M-")
        assert found["address"]  # the nearest loaded address, as intake tied it
        assert found["service_code"] == "afval.container-is-vol"
        assert found["lat"] == pytest.approx(DAM[0]) and found["long"] == pytest.approx(DAM[1])
        assert found["agency_responsible"]
        assert found["expected_datetime"]
        one = public_client.get(f"{BASE}/requests/{created['service_request_id']}.json").json()
        jsonschema.validate(one, schemas.REQUESTS)
        assert one == [found]
        for response in (
            public_client.get(f"{BASE}/requests.xml"),
            public_client.get(f"{BASE}/requests/{created['service_request_id']}.xml"),
        ):
            raw = response.content.decode()
            for secret in ("bewoner@example.org", "0612345678", "Anna", "Jansen", "dev-1"):
                assert secret not in raw
                assert secret not in str(body)
            root = xml_of(response)
            assert root.tag == "service_requests"
            items = xml_items(root, "request")
            assert set(items[0]) == set(found)
            assert items[0]["service_request_id"] == created["service_request_id"]

    def test_filters(self, public_client, open311_key, dispatcher):
        first = new_request(public_client, open311_key)
        second = new_request(public_client, open311_key, service_code="afval.grofvuil")
        report_transition(
            report_id=Report.objects.get(id=second["token"]).id,
            actor=ActorRef.staff(dispatcher),
            to=Status.CLOSED,
            resolution=Resolution.FIXED,
        )

        def ids(**query) -> list[str]:
            response = public_client.get(f"{BASE}/requests.json", query)
            assert response.status_code == 200, response.content
            return [r["service_request_id"] for r in response.json()]

        assert ids(status="closed") == [second["service_request_id"]]
        assert first["service_request_id"] in ids(status="open")
        assert ids(service_code="afval.grofvuil") == [second["service_request_id"]]
        both = f"{first['service_request_id']},{second['service_request_id']}"
        # service_request_id overrides every other parameter.
        assert sorted(ids(service_request_id=both, status="closed")) == sorted(both.split(","))
        tomorrow = (timezone.now() + timedelta(days=1)).isoformat()
        assert ids(start_date=tomorrow) == []
        assert ids(page_size=1) == [second["service_request_id"]]
        assert ids(page_size=1, page=2) == [first["service_request_id"]]
        extended = public_client.get(f"{BASE}/requests.json", {"extended_statuses": "true"}).json()
        jsonschema.validate(extended, schemas.REQUESTS_EXTENDED)
        statuses = {r["service_request_id"]: r["status"] for r in extended}
        assert statuses[second["service_request_id"]] == "FIXED"

    @pytest.mark.parametrize(
        ("query", "word"),
        [
            ({"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-06-01T00:00:00Z"}, "90"),
            ({"start_date": "yesterday"}, "start_date"),
            ({"status": "pending"}, "status"),
            ({"page": "0"}, "page"),
        ],
    )
    def test_bad_query_is_400(self, public_client, query, word):
        errors = errors_of(public_client.get(f"{BASE}/requests.json", query), 400)
        assert word in " ".join(e["description"] for e in errors)
        xml_errors_of(public_client.get(f"{BASE}/requests.xml", query), 400)

    def test_unknown_request_is_404(self, public_client):
        errors_of(public_client.get(f"{BASE}/requests/M-2026-999999.json"), 404)
        xml_errors_of(public_client.get(f"{BASE}/requests/M-2026-999999.xml"), 404)

    def test_token_lookup(self, public_client, open311_key):
        created = new_request(public_client, open311_key)
        body = public_client.get(f"{BASE}/tokens/{created['token']}.json").json()
        jsonschema.validate(body, schemas.TOKENS)
        assert body == [
            {"service_request_id": created["service_request_id"], "token": created["token"]}
        ]
        root = xml_of(public_client.get(f"{BASE}/tokens/{created['token']}.xml"))
        assert xml_items(root, "request")[0]["service_request_id"] == created["service_request_id"]
        errors_of(public_client.get(f"{BASE}/tokens/not-a-token.json"), 404)


@pytest.mark.django_db
class TestServiceRequestUpdates:
    def test_status_changes_are_updates_with_extended_statuses(
        self, public_client, open311_key, dispatcher
    ):
        created = new_request(public_client, open311_key)
        report = Report.objects.get(id=created["token"])
        staff = ActorRef.staff(dispatcher)
        report_transition(report_id=report.id, actor=staff, to=Status.IN_PROGRESS)
        report_transition(
            report_id=report.id, actor=staff, to=Status.CLOSED, resolution=Resolution.DUPLICATE
        )
        body = public_client.get(f"{BASE}/servicerequestupdates.json").json()
        jsonschema.validate(body, schemas.UPDATES)
        mine = [u for u in body if u["service_request_id"] == created["service_request_id"]]
        assert [u["status"] for u in mine] == ["IN_PROGRESS", "DUPLICATE"]
        root = xml_of(public_client.get(f"{BASE}/servicerequestupdates.xml"))
        assert root.tag == "service_request_updates"
        assert [u["status"] for u in xml_items(root, "request_update")][-2:] == [
            "IN_PROGRESS",
            "DUPLICATE",
        ]

    def test_post_update_reopens_a_closed_request(self, public_client, open311_key, dispatcher):
        created = new_request(public_client, open311_key)
        report = Report.objects.get(id=created["token"])
        report_transition(
            report_id=report.id,
            actor=ActorRef.staff(dispatcher),
            to=Status.CLOSED,
            resolution=Resolution.FIXED,
        )
        update = {
            "api_key": open311_key,
            "service_request_id": created["service_request_id"],
            "update_id": "fms-77",
            "status": "OPEN",
            "updated_datetime": timezone.now().isoformat(),
            "description": "Nog steeds vol.",
        }
        response = post_form(public_client, "servicerequestupdates.json", update)
        assert response.status_code == 201, response.content
        jsonschema.validate(response.json(), schemas.POST_UPDATE)
        report.refresh_from_db()
        assert report.status == Status.REOPEN_REQUESTED
        # In XML: a resident's answer to an information request.
        report_transition(report_id=report.id, actor=ActorRef.staff(dispatcher), to=Status.REOPENED)
        report_transition(
            report_id=report.id,
            actor=ActorRef.staff(dispatcher),
            to=Status.INFO_REQUESTED,
            public_text="Welke container?",
        )
        answered = post_form(
            public_client,
            "servicerequestupdates.xml",
            {**update, "status": "IN_PROGRESS", "description": "De papiercontainer."},
        )
        assert answered.status_code == 201, answered.content
        root = xml_of(answered)
        assert root.tag == "service_request_updates"
        assert xml_items(root, "request_update")[0]["update_id"].startswith("M-")
        report.refresh_from_db()
        assert report.status == Status.REOPENED
        report_transition(
            report_id=report.id,
            actor=ActorRef.staff(dispatcher),
            to=Status.CLOSED,
            resolution=Resolution.FIXED,
        )
        post_form(public_client, "servicerequestupdates.json", update)
        # The same update again has nothing left to reopen.
        errors_of(post_form(public_client, "servicerequestupdates.json", update), 400)
        errors_of(
            post_form(public_client, "servicerequestupdates.json", {**update, "api_key": ""}), 403
        )
        errors_of(
            post_form(
                public_client,
                "servicerequestupdates.json",
                {**update, "service_request_id": "M-2026-999999"},
            ),
            404,
        )
        errors_of(
            post_form(public_client, "servicerequestupdates.json", {**update, "status": "MAYBE"}),
            400,
        )


@pytest.mark.django_db
def test_jurisdiction_is_required_and_matched_when_configured(public_client, settings):
    settings.OPEN311_JURISDICTION_ID = "meldpunt.example.nl"
    errors_of(public_client.get(f"{BASE}/services.json"), 400)
    errors_of(public_client.get(f"{BASE}/services.json", {"jurisdiction_id": "other"}), 404)
    xml_errors_of(public_client.get(f"{BASE}/services.xml", {"jurisdiction_id": "other"}), 404)
    ok = public_client.get(f"{BASE}/services.json", {"jurisdiction_id": "meldpunt.example.nl"})
    assert ok.status_code == 200


@pytest.mark.django_db
def test_posts_are_throttled_per_key(public_client, rate_limits):
    rate_limits(open311_key="2/hour")
    _, busy = open311_key_create(name="busy")
    _, other = open311_key_create(name="other")
    new_request(public_client, busy)
    new_request(public_client, busy)
    body = {"api_key": busy, "service_code": "afval.grofvuil", "lat": DAM[0], "long": DAM[1]}
    before = stored_state()
    response = post_form(public_client, "requests.json", body)
    errors_of(response, 429)
    assert int(response["Retry-After"]) > 0
    assert stored_state() == before
    # Another application is counted on its own.
    new_request(public_client, other)


@pytest.mark.django_db
def test_guessing_keys_is_throttled(public_client, rate_limits):
    rate_limits(open311_key_failure="2/hour")
    body = {"service_code": "afval.grofvuil", "lat": DAM[0], "long": DAM[1]}
    for guess in ("a", "b"):
        errors_of(post_form(public_client, "requests.json", {**body, "api_key": guess}), 403)
    errors_of(post_form(public_client, "requests.json", {**body, "api_key": "c"}), 429)


@pytest.mark.django_db
@pytest.mark.parametrize(("method", "path"), [("put", "requests.json"), ("delete", "services.xml")])
def test_a_method_a_resource_lacks_is_a_405_with_or_without_a_key(public_client, method, path):
    # Not a 403 for the missing api_key: there is nothing here a key would open.
    response = getattr(public_client, method)(f"{BASE}/{path}")
    (xml_errors_of if path.endswith(".xml") else errors_of)(response, 405)


@pytest.mark.django_db
def test_the_json_and_the_generic_routes_answer_alike(public_client):
    # The JSON routes are spelt out for the OpenAPI schema; they are the same resources.
    spelt = public_client.get(f"{BASE}/services.json")
    assert spelt.status_code == 200 and spelt["Content-Type"].startswith("application/json")
    assert spelt.json() and {"service_code", "group"} <= set(spelt.json()[0])
    in_xml = xml_items(xml_of(public_client.get(f"{BASE}/services.xml")), "service")
    assert [s["service_code"] for s in in_xml] == [s["service_code"] for s in spelt.json()]
    errors_of(public_client.get(f"{BASE}/services/nonexistent.json"), 404)
    xml_errors_of(public_client.get(f"{BASE}/services/nonexistent.xml"), 404)


@pytest.mark.django_db
def test_attribute_answers_are_kept_in_the_reports_text(public_client, open311_key):
    created = new_request(
        public_client,
        open311_key,
        **{"attribute[soort]": "glas", "attribute[kleuren][]": ["groen", "bruin"]},
    )
    report = Report.objects.get(short_id=created["service_request_id"])
    assert report.text.endswith("\n\nsoort: glas\n\nkleuren: groen, bruin"), report.text


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("extra", "named"),
    [
        ({"attribute[soort": "glas"}, "attribute[soort"),
        ({"attribute[soort]": "x" * 1001}, "attribute[soort]"),
        ({f"attribute[q{i}]": "ja" for i in range(31)}, "attribute"),
    ],
)
def test_a_bad_attribute_is_a_400_naming_it_and_stores_nothing(
    public_client, open311_key, extra, named
):
    body = {"api_key": open311_key, "service_code": "afval.grofvuil", "lat": DAM[0], "long": DAM[1]}
    before = stored_state()
    [error] = errors_of(post_form(public_client, "requests.json", {**body, **extra}), 400)
    assert error["description"].startswith(f"{named}: "), error
    assert stored_state() == before


@pytest.mark.django_db
def test_a_list_costs_the_same_queries_however_long(public_client, open311_key, staff_client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries(url: str, client) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured.captured_queries)

    urls = [
        (f"{BASE}/requests.json", public_client),
        (f"{BASE}/requests.xml", public_client),
        ("/signals/v1/private/signals/", staff_client),
    ]
    new_request(public_client, open311_key)
    # Once first: the staff token's first use stamps last_used_at (a write every 5 minutes).
    [queries(url, client) for url, client in urls]
    few = [queries(url, client) for url, client in urls]
    for _ in range(4):
        new_request(public_client, open311_key, lat=DAM[0] + 0.002)
    assert [queries(url, client) for url, client in urls] == few
