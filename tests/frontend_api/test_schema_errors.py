"""Every error the API gives is in its schema, in the error shape (issue #14, finding 8).

The schema is walked operation by operation; what each one must document is worked out from
the view Django routes it to (its permissions, its path, whether it reads a body), not from
the schema itself.
"""

import json
import re
import uuid
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.urls import resolve
from rest_framework.test import APIClient

from backend.accounts.services import api_token_create, contractor_user_for
from frontend_api.common.permissions import Anyone
from frontend_api.common.schema import LINKS
from frontend_api.open311.access import HasOpen311Key

SCHEMA = yaml.safe_load((Path(settings.BASE_DIR) / "frontend_api" / "openapi.yaml").read_text())
ERROR_REF = "#/components/schemas/Error"
METHODS = ("get", "post", "put", "patch", "delete")

OPERATIONS = [
    pytest.param(path, method, operation, id=f"{method.upper()} {path}")
    for path, item in SCHEMA["paths"].items()
    for method, operation in item.items()
    if method in METHODS
]


def _view_class(path: str) -> type:
    # A value of the right kind for each path parameter, so the resolver picks the route.
    concrete = re.sub(r"\{(model|queue)_id\}", "1", path)
    concrete = re.sub(r"\{[^}]*_id\}", str(uuid.uuid4()), concrete)
    concrete = re.sub(r"\{[^}]*\}", "sample", concrete)
    match = resolve(concrete)
    return match.func.view_class  # type: ignore[attr-defined]


def _needs_token(view_class: type) -> bool:
    # Open311's api_key is a field of the POST's body, documented there with its 403; it is no
    # token in the Authorization header.
    return not all(issubclass(p, (Anyone, HasOpen311Key)) for p in view_class.permission_classes)


def _error_refs(response: dict) -> set[str]:
    return {media["schema"].get("$ref", "") for media in response.get("content", {}).values()}


def test_the_walk_covers_every_operation():
    assert len(OPERATIONS) >= 38
    assert {"get", "post", "patch", "delete"} <= {p.values[1] for p in OPERATIONS}


@pytest.mark.parametrize(("path", "method", "operation"), OPERATIONS)
def test_every_operation_documents_the_errors_it_can_give(path, method, operation):
    responses = operation["responses"]
    view_class = _view_class(path)
    required = {"400", "406"}  # a Host not served here or bad input; an Accept without JSON
    if path.startswith("/open311/"):
        # The path's suffix is the format (no Accept is refused); a jurisdiction_id other than
        # the configured one is a 404 on any path.
        required = {"400", "404"}
    if _needs_token(view_class):
        required |= {"401", "403"}
    if "{" in path:
        required.add("404")
    if method in ("post", "put", "patch") and "requestBody" in operation:
        required |= {"413", "415"}
    missing = required - set(responses)
    assert not missing, f"{method.upper()} {path} does not document {sorted(missing)}"


# /health/ is left out: its 503 carries the health body, which says what is down.
@pytest.mark.parametrize(
    ("path", "method", "operation"), [p for p in OPERATIONS if p.values[0].startswith("/api/")]
)
def test_every_api_error_response_is_the_error_shape(path, method, operation):
    for code, response in operation["responses"].items():
        if int(code) >= 400:
            assert _error_refs(response) == {ERROR_REF}, f"{method.upper()} {path} {code}"
            assert response["description"], f"{method.upper()} {path} {code} says nothing"


def test_the_open311_json_endpoints_are_documented_with_their_error_list():
    open311 = [p for p in OPERATIONS if p.values[0].startswith("/open311/v2/")]
    assert {p.values[2]["operationId"] for p in open311} == {
        "open311_discovery",
        "open311_services",
        "open311_service_definition",
        "open311_requests",
        "open311_request",
        "open311_request_create",
        "open311_token",
        "open311_updates",
        "open311_update_create",
    }
    for param in open311:
        path, method, operation = param.values
        assert path.endswith(".json"), path
        assert _view_class(path).__module__ == "frontend_api.open311.views", path
        for code, response in operation["responses"].items():
            media = set(response.get("content", {}))
            assert media <= {"application/json"}, f"{method.upper()} {path} {code}: {media}"
            if int(code) >= 400:
                assert _error_refs(response) == {"#/components/schemas/Open311Errors"}, code
        if method == "post":
            assert {"403", "413", "415"} <= set(operation["responses"]), path
            body = operation["requestBody"]["content"]
            assert set(body) == {"application/x-www-form-urlencoded"}, path


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "shape"),
    [
        ("/open311/v2/requests.json", "open311"),
        ("/signals/v1/public/signals/", "signalen"),
        ("/api/v1/public/classify/", "ours"),
    ],
)
def test_a_request_refused_before_any_view_is_in_the_shape_of_its_api(public_client, path, shape):
    # A Host this server does not answer for: Django refuses it before routing.
    response = public_client.post(path, {}, HTTP_HOST="evil.example")
    assert response.status_code == 400
    body = response.json()
    if shape == "open311":
        assert body == [{"code": 400, "description": body[0]["description"]}]
        assert body[0]["description"].startswith("Host: ")
    elif shape == "signalen":
        assert list(body) == ["detail"] and body["detail"]
    else:
        assert list(body["error"]["fields"]) == ["Host"]


def test_operations_behind_a_token_say_so_in_the_schema():
    for param in OPERATIONS:
        path, _method, operation = param.values
        assert bool(operation.get("security")) == _needs_token(_view_class(path)), path


# --- The filters: an invalid value is a documented 400 naming the parameter --------------


FILTERS = [
    ("/api/v1/staff/webhook-deliveries/", {"state": "null"}, "state"),
    ("/api/v1/staff/webhook-deliveries/", {"report": "not-a-uuid"}, "report"),
    ("/api/v1/staff/webhook-deliveries/", {"limit": "0"}, "limit"),
    ("/api/v1/staff/reports/", {"status": "null"}, "status"),
    ("/api/v1/staff/reports/", {"needs_triage": "perhaps"}, "needs_triage"),
    ("/api/v1/staff/reports/", {"page_size": "0"}, "page_size"),
    ("/api/v1/staff/reports/", {"cursor": "made-up"}, "cursor"),
    ("/api/v1/staff/reports/", {"bbox": "5,52,4,53"}, "bbox"),
    ("/api/v1/staff/reports/map/", {"bbox": "4.8,52.3,4.9,52.4", "zoom": "30"}, "zoom"),
    ("/api/v1/staff/stats/", {"created_after": "soon"}, "created_after"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("url", "query", "field"), FILTERS)
def test_an_invalid_filter_value_is_a_documented_400_naming_it(staff_client, url, query, field):
    response = staff_client.get(url, query)
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "invalid" and list(error["fields"]) == [field]
    documented = SCHEMA["paths"][url]["get"]
    assert field in {p["name"] for p in documented["parameters"] if p.get("in") == "query"}
    assert _error_refs(documented["responses"]["400"]) == {ERROR_REF}


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/api/v1/staff/webhook-deliveries/", "/api/v1/staff/reports/"])
def test_an_unknown_parameter_is_a_400_naming_it(staff_client, url):
    # A misspelt filter that was ignored would answer with every row.
    response = staff_client.get(url, {"stauts": "open", "": "null"})
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "invalid" and sorted(error["fields"]) == ["query", "stauts"]


@pytest.mark.django_db
def test_an_unknown_contractor_parameter_is_a_400_naming_it(link_firm):
    user = contractor_user_for(contractor=link_firm)
    _, key = api_token_create(user=user, name="t")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response = client.get("/api/v1/contractor/assignments/", {"area": "", "sate": "offered"})
    assert response.status_code == 400, response.content
    assert list(response.json()["error"]["fields"]) == ["sate"]


@pytest.mark.django_db
def test_a_contractor_filter_value_is_a_documented_400_naming_it(link_firm):
    user = contractor_user_for(contractor=link_firm)
    _, key = api_token_create(user=user, name="t")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    url = "/api/v1/contractor/assignments/"
    response = client.get(url, {"state": "null"})
    assert response.status_code == 400, response.content
    assert list(response.json()["error"]["fields"]) == ["state"]
    assert "400" in SCHEMA["paths"][url]["get"]["responses"]


@pytest.mark.django_db
def test_a_body_over_djangos_upload_limit_is_a_json_413(public_client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    body = json.dumps({"text": "x" * 2048})
    response = public_client.post("/api/v1/public/classify/", body, content_type="application/json")
    assert response.status_code == 413
    error = response.json()["error"]
    assert error["code"] == "too_large" and list(error["fields"]) == ["body"]


@pytest.mark.django_db
def test_the_health_check_answers_a_bad_host_in_json(public_client):
    response = public_client.get("/health/", HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["Host"]


# --- A JSON body at the types its schema declares (found by the schemathesis run) ---------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"lat": 52.37, "lon": False}, "lon"),
        ({"lat": 52.37, "lon": 4.89, "text": 0}, "text"),
        ({"lat": "52.37", "lon": 4.89}, "lat"),
        ({"lat": 52.37, "lon": 4.89, "priority": 1}, "priority"),
    ],
)
def test_a_json_value_of_another_type_is_a_400_naming_it(staff_client, body, field):
    response = staff_client.post("/api/v1/staff/routing/explain/", body, format="json")
    assert response.status_code == 400, response.content
    assert list(response.json()["error"]["fields"]) == [field]


@pytest.mark.django_db
def test_a_nested_json_value_of_another_type_is_named_by_its_path(staff_client):
    body = {"files": {"rules.yaml": 12}, "days": 7}
    response = staff_client.post("/api/v1/staff/routing/preview/", body, format="json")
    assert response.status_code == 400, response.content
    assert list(response.json()["error"]["fields"]) == ["files.rules.yaml"]


@pytest.mark.django_db
def test_a_form_body_is_text_and_keeps_its_conversion(staff_client):
    body = {"lat": "52.37", "lon": "4.89", "category": "", "priority": "high"}
    response = staff_client.post("/api/v1/staff/routing/explain/", body, format="multipart")
    assert response.status_code == 200, response.content


def test_every_link_leads_to_an_operation_and_fills_its_path_parameter():
    by_id = {p.values[2]["operationId"]: p.values[2] for p in OPERATIONS}
    assert {source for source, _ in LINKS} <= set(by_id)
    links = [
        link
        for operation in by_id.values()
        for response in operation["responses"].values()
        for link in response.get("links", {}).values()
    ]
    assert len(links) == sum(len(targets) for targets in LINKS.values())
    for link in links:
        target = by_id[link["operationId"]]
        path_parameters = {p["name"] for p in target["parameters"] if p.get("in") == "path"}
        assert set(link["parameters"]) <= path_parameters, link
