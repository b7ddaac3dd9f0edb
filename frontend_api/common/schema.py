"""The error responses every operation can give, added to the OpenAPI schema.

A view declares what is particular to it (409 in a state that forbids the change, 503 when a
service is off); the refusals that come from how a request is made are the same everywhere
and are filled in here, from what the operation is:

- 400 on every operation: a Host this server does not answer for, a body of more parts than
  any request takes, or a query parameter, header or body field that is invalid;
- 401 and 403 where the operation needs a token;
- 404 where the path names something (a report, a token, an assignment);
- 406 on every operation: the client accepts no JSON;
- 413 and 415 where the operation takes a body: one declared over REQUEST_BODY_MAX_BYTES, or
  of a media type it does not read.

Each answers in the error shape (the `Error` component). A description a view gave is kept.

Links between operations (OpenAPI `links`) say where an answer's ids lead: the report an
intake created to what its tracking token and its id open, a list's first item to what takes
its id. Clients and tools (schemathesis's stateful run) follow them.

An optional query parameter sent empty (`?state=`) counts as not sent: DRF reads a query string
as a form does. Each says so (`allowEmptyValue`), or the schema would promise a 400 for it.
"""

from typing import Any

ERROR_REF = "#/components/schemas/Error"
OPEN311_REF = "#/components/schemas/Open311Errors"
BODY_METHODS = ("post", "put", "patch")

DESCRIPTIONS = {
    "400": (
        "Invalid input: `fields` names each offending parameter, header or body field "
        "(or `Host`, `body` for a request that cannot be read)."
    ),
    "401": "No token, or an unknown or revoked one.",
    "403": "The token's user may not do this.",
    "404": "Not found.",
    "406": "The client accepts no JSON (its `Accept` header).",
    "413": "Content-Length over REQUEST_BODY_MAX_BYTES; refused unread.",
    "415": "A Content-Type this operation does not read.",
}


_TOKEN_OPERATIONS = [
    "public_report_retrieve",
    "public_report_feedback",
    "public_report_follow",
    "public_report_reply",
    "public_report_push_subscribe",
]
_REPORT_OPERATIONS = [
    "staff_reports_retrieve",
    "staff_reports_update",
    "staff_reports_transition",
    "staff_reports_assign",
    "staff_reports_notes_list",
    "staff_reports_notes_create",
    "staff_reports_events",
    "staff_reports_assignments",
    "staff_reports_merge",
]
_ASSIGNMENT_OPERATIONS = [
    "contractor_assignments_retrieve",
    "contractor_assignments_accept",
    "contractor_assignments_reject",
    "contractor_assignments_progress",
    "contractor_assignments_complete",
]


def _to(operations: list[str], parameter: str, value: str) -> dict[str, dict]:
    return {op: {"operationId": op, "parameters": {parameter: value}} for op in operations}


# (operationId, status) -> the links of that answer.
LINKS: dict[tuple[str, str], dict[str, dict]] = {
    ("public_report_create", "201"): {
        **_to(_TOKEN_OPERATIONS, "tracking_token", "$response.body#/tracking_token"),
        **_to(_REPORT_OPERATIONS, "report_id", "$response.body#/id"),
        # The same report in the Signalen-compatible API, by its uuid.
        **_to(["signalen_public_signal"], "signal_id", "$response.body#/id"),
    },
    ("staff_reports_list", "200"): {
        **_to(_REPORT_OPERATIONS, "report_id", "$response.body#/results/0/id"),
        **_to(["signalen_public_signal"], "signal_id", "$response.body#/results/0/id"),
    },
    ("contractor_assignments_list", "200"): _to(
        _ASSIGNMENT_OPERATIONS, "assignment_id", "$response.body#/results/0/id"
    ),
    ("staff_classifier_versions", "200"): _to(
        ["staff_classifier_activate"], "model_id", "$response.body#/0/id"
    ),
    ("staff_webhook_deliveries", "200"): _to(
        ["staff_webhook_redeliver"], "message_id", "$response.body#/0/id"
    ),
}


# The standards' APIs answer errors in their own shapes, which their clients parse: Open311's
# list of {code, description}, Signalen's Django REST framework defaults.
STANDARD_ERRORS: dict[str, tuple[str, dict[str, Any]]] = {
    "/open311/": (
        "Open311Errors",
        {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"code": {"type": "integer"}, "description": {"type": "string"}},
                "required": ["code", "description"],
            },
        },
    ),
    "/signals/": (
        "SignalenError",
        {
            "type": "object",
            "description": '`{"field": ["message"]}`, `{"non_field_errors": [...]}` or '
            '`{"detail": "..."}`, as Django REST framework answers by default.',
            "additionalProperties": True,
        },
    ),
}
# Open311 says what went wrong in each entry's description, not in our `fields`; the format is
# the path's suffix, so no Accept header is refused (no 406); and a `jurisdiction_id` other than
# the configured one is a 404 on any path.
OPEN311_DESCRIPTIONS = {
    **DESCRIPTIONS,
    "400": "Invalid input: each entry's `description` names the offending parameter.",
    "404": "Not found, or a `jurisdiction_id` other than this installation's.",
    "429": (
        "Too many requests: over the api_key's rate, too many wrong api_keys or token lookups "
        "from this client. `Retry-After` gives the seconds to wait."
    ),
}


def _standard(path: str) -> str | None:
    return next((prefix for prefix in STANDARD_ERRORS if path.startswith(prefix)), None)


def expected_errors(operation: dict[str, Any], method: str, path: str = "") -> list[str]:
    """The error statuses an operation can answer with, whatever its view declares."""
    open311 = _standard(path) == "/open311/"
    codes = ["400"] if open311 else ["400", "406"]
    if operation.get("security"):
        codes += ["401", "403"]
    if open311 or any(p.get("in") == "path" for p in operation.get("parameters", [])):
        codes.append("404")
    if method in BODY_METHODS and "requestBody" in operation:
        codes += ["413", "415"]
    return sorted(codes)


def error_ref(path: str) -> str:
    prefix = _standard(path)
    return f"#/components/schemas/{STANDARD_ERRORS[prefix][0]}" if prefix else ERROR_REF


def error_response(description: str, ref: str = ERROR_REF) -> dict[str, Any]:
    return {
        "content": {"application/json": {"schema": {"$ref": ref}}},
        "description": description,
    }


def document_errors(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict:
    """drf-spectacular postprocessing hook (SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"])."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    for name, shape in STANDARD_ERRORS.values():
        schemas.setdefault(name, shape)
    for path, operations in result.get("paths", {}).items():
        ref = error_ref(path)
        descriptions = OPEN311_DESCRIPTIONS if ref == OPEN311_REF else DESCRIPTIONS
        for method, operation in operations.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            for parameter in operation.get("parameters", []):
                if parameter.get("in") == "query" and not parameter.get("required"):
                    parameter["allowEmptyValue"] = True
            responses = operation["responses"]
            for code in expected_errors(operation, method, path):
                responses.setdefault(code, error_response(descriptions[code], ref))
            for code, response in responses.items():
                if code in descriptions and not response.get("description"):
                    response["description"] = descriptions[code]
                if ref == OPEN311_REF and int(code) >= 400:
                    # Every Open311 refusal is its list, whatever shape a shared part declared
                    # (the throttles' 429) or none (a view's own 403).
                    response["content"] = error_response("", ref)["content"]
                    if code == "429":
                        response["description"] = descriptions[code]
            for (operation_id, code), links in LINKS.items():
                if operation.get("operationId") == operation_id:
                    responses[code]["links"] = links
            operation["responses"] = dict(sorted(responses.items()))
    return result
