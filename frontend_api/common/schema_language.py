"""The OpenAPI schema says, on every operation, that messages follow Accept-Language and that
the answer names its language (Content-Language)."""

from typing import Any

ACCEPT_LANGUAGE = {
    "in": "header",
    "name": "Accept-Language",
    "required": False,
    "schema": {"type": "string", "example": "en"},
    "description": "The language of error messages: nl or en (quality values honoured); nl "
    "when neither is asked for. Error codes and field names are the same in every language. "
    "On intake it also settles a report's language where neither `language` nor its text "
    "tells.",
}
CONTENT_LANGUAGE = {
    "description": "The language the messages of this answer are in: nl or en.",
    "schema": {"type": "string", "enum": ["nl", "en"]},
}


def language_headers(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """A drf-spectacular postprocessing hook."""
    components = result.setdefault("components", {})
    components.setdefault("parameters", {})["AcceptLanguage"] = ACCEPT_LANGUAGE
    components.setdefault("headers", {})["ContentLanguage"] = CONTENT_LANGUAGE
    for path_item in result.get("paths", {}).values():
        for operation in path_item.values():
            operation.setdefault("parameters", []).append(
                {"$ref": "#/components/parameters/AcceptLanguage"}
            )
            for response in operation.get("responses", {}).values():
                response.setdefault("headers", {})["Content-Language"] = {
                    "$ref": "#/components/headers/ContentLanguage"
                }
    return result
