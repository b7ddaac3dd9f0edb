"""JSON Schemas of Open311 GeoReport v2's answers, written from the spec's text
(wiki.open311.org/GeoReport_v2) and mySociety's extensions, not from our code: a response that
passes is one an Open311 client can read."""

STRING_OR_NULL = {"type": ["string", "null"]}
# "All dates use the W3C format, e.g. 2010-01-01T00:00:00Z" (a zone is part of it).
W3C_DATETIME = {
    "type": "string",
    "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$",
}

DISCOVERY = {
    "type": "object",
    "required": ["changeset", "contact", "key_service", "endpoints"],
    "properties": {
        "changeset": W3C_DATETIME,
        "contact": {"type": "string"},
        "key_service": {"type": "string"},
        "endpoints": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["specification", "url", "changeset", "type", "formats"],
                "properties": {
                    "specification": {"type": "string"},
                    "url": {"type": "string", "pattern": "^https?://"},
                    "changeset": W3C_DATETIME,
                    "type": {"enum": ["production", "test"]},
                    "formats": {
                        "type": "array",
                        "items": {"enum": ["text/xml", "application/json"]},
                        "contains": {"const": "text/xml"},
                    },
                },
            },
        },
    },
}

SERVICES = {
    "type": "array",
    "minItems": 1,
    "items": {
        "type": "object",
        "required": [
            "service_code",
            "service_name",
            "description",
            "metadata",
            "type",
            "keywords",
            "group",
        ],
        "properties": {
            "service_code": {"type": "string", "minLength": 1},
            "service_name": {"type": "string", "minLength": 1},
            "description": {"type": "string"},
            "metadata": {"type": "boolean"},
            "type": {"enum": ["realtime", "batch", "blackbox"]},
            "keywords": {"type": "string"},
            "group": {"type": "string"},
        },
    },
}

SERVICE_DEFINITION = {
    "type": "object",
    "required": ["service_code", "attributes"],
    "properties": {
        "service_code": {"type": "string"},
        "attributes": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["variable", "code", "datatype", "required", "order", "description"],
                "properties": {
                    "variable": {"type": "boolean"},
                    "code": {"type": "string"},
                    "datatype": {
                        "enum": [
                            "string",
                            "number",
                            "datetime",
                            "text",
                            "singlevaluelist",
                            "multivaluelist",
                        ]
                    },
                    "required": {"type": "boolean"},
                    "order": {"type": "integer"},
                    "values": {
                        "type": "array",
                        "items": {"type": "object", "required": ["key", "name"]},
                    },
                },
            },
        },
    },
}

POST_REQUEST = {
    "type": "array",
    "minItems": 1,
    "maxItems": 1,
    "items": {
        "type": "object",
        # "service_request_id" or "token" (or both), "service_notice", "account_id".
        "anyOf": [{"required": ["service_request_id"]}, {"required": ["token"]}],
        "required": ["service_notice", "account_id"],
        "properties": {
            "service_request_id": {"type": "string", "minLength": 1},
            "token": {"type": "string"},
            "service_notice": STRING_OR_NULL,
            "account_id": STRING_OR_NULL,
        },
    },
}

TOKENS = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["service_request_id", "token"],
        "properties": {"service_request_id": {"type": "string"}, "token": {"type": "string"}},
    },
}

# The fields the spec lists for GET Service Requests; contact details are not among them, and
# additionalProperties false makes sure none is added.
_REQUEST_FIELDS = {
    "service_request_id": {"type": "string", "minLength": 1},
    "status": {"enum": ["open", "closed"]},
    "status_notes": STRING_OR_NULL,
    "service_name": STRING_OR_NULL,
    "service_code": STRING_OR_NULL,
    "description": STRING_OR_NULL,
    "agency_responsible": STRING_OR_NULL,
    "service_notice": STRING_OR_NULL,
    "requested_datetime": W3C_DATETIME,
    "updated_datetime": {"anyOf": [W3C_DATETIME, {"type": "null"}]},
    "expected_datetime": {"anyOf": [W3C_DATETIME, {"type": "null"}]},
    "address": STRING_OR_NULL,
    "address_id": STRING_OR_NULL,
    "zipcode": STRING_OR_NULL,
    "lat": {"type": "number", "minimum": -90, "maximum": 90},
    "long": {"type": "number", "minimum": -180, "maximum": 180},
    "media_url": STRING_OR_NULL,
}
REQUESTS = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["service_request_id", "status", "requested_datetime", "lat", "long"],
        "properties": _REQUEST_FIELDS,
        "additionalProperties": False,
    },
}

EXTENDED_STATUSES = [
    "OPEN",
    "CLOSED",
    "FIXED",
    "IN_PROGRESS",
    "PLANNED",
    "ACTION_SCHEDULED",
    "INVESTIGATING",
    "DUPLICATE",
    "NOT_COUNCILS_RESPONSIBILITY",
    "NO_FURTHER_ACTION",
    "INTERNAL_REFERRAL",
    "CANCELLED",
    "REOPEN",
    "FOR_TRIAGE",
]
REQUESTS_EXTENDED = {
    **REQUESTS,
    "items": {
        **REQUESTS["items"],
        "properties": {**_REQUEST_FIELDS, "status": {"enum": EXTENDED_STATUSES}},
    },
}

UPDATES = {
    "type": "array",
    "items": {
        "type": "object",
        "required": [
            "update_id",
            "service_request_id",
            "status",
            "updated_datetime",
            "description",
            "media_url",
        ],
        "properties": {
            "update_id": {"type": "string", "minLength": 1},
            "service_request_id": {"type": "string"},
            "status": {"enum": EXTENDED_STATUSES},
            "updated_datetime": W3C_DATETIME,
            "description": {"type": "string"},
            "media_url": {"type": "string"},
        },
    },
}

POST_UPDATE = {
    "type": "array",
    "minItems": 1,
    "items": {"type": "object", "required": ["update_id"]},
}

ERRORS = {
    "type": "array",
    "minItems": 1,
    "items": {
        "type": "object",
        "required": ["code", "description"],
        "properties": {"code": {"type": "integer"}, "description": {"type": "string"}},
        "additionalProperties": False,
    },
}
