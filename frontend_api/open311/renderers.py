"""Open311's two formats, chosen by the path's suffix (`.json`, `.xml`): DRF picks the
renderer whose `format` is the URL's `format` argument.

The XML is the spec's: a root element for the answer (`services`, `service_requests`,
`errors`, ...), one element per item (`service`, `request`, `error`), one element per field,
lists as an element holding one element per entry (`<formats><format>`), booleans as
`true`/`false`, and an absent value as an empty element.
"""

from typing import Any
from xml.etree import ElementTree as ET

from rest_framework.renderers import BaseRenderer, JSONRenderer

# The element of each entry of a list field, as the spec's examples name them.
_ENTRY = {
    "endpoints": "endpoint",
    "formats": "format",
    "attributes": "attribute",
    "values": "value",
    "groups": "group",
}


class Open311JSONRenderer(JSONRenderer):
    format = "json"
    media_type = "application/json"
    charset = "utf-8"


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _fill(element: ET.Element, value: Any) -> None:
    if isinstance(value, dict):
        for key, inner in value.items():
            _fill(ET.SubElement(element, key), inner)
    elif isinstance(value, list):
        entry = _ENTRY.get(element.tag, "item")
        for inner in value:
            _fill(ET.SubElement(element, entry), inner)
    else:
        element.text = _text(value)


def xml_document(root: str, item: str | None, data: Any) -> bytes:
    """`data` under `<root>`: a list as one `<item>` per entry, a dict as its fields."""
    element = ET.Element(root)
    if isinstance(data, list) and item:
        for entry in data:
            _fill(ET.SubElement(element, item), entry)
    else:
        _fill(element, data)
    return ET.tostring(element, encoding="utf-8", xml_declaration=True)


class Open311XMLRenderer(BaseRenderer):
    format = "xml"
    media_type = "text/xml"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        context = renderer_context or {}
        response = context.get("response")
        view = context.get("view")
        if response is not None and response.status_code >= 400:
            return xml_document("errors", "error", data)
        root = getattr(view, "xml_root", "response")
        item = getattr(view, "xml_item", None)
        return xml_document(root, item, data)


RENDERERS = [Open311JSONRenderer, Open311XMLRenderer]
