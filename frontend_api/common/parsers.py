"""Request body parsers: DRF's, with nesting that the JSON decoder cannot take refused."""

from typing import Any

from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError


class JSONParser(parsers.JSONParser):
    # Python's decoder recurses once per nested array or object; a body nested a thousand
    # deep raised RecursionError, a 500, where it is just bad input.
    def parse(self, stream: Any, media_type: Any = None, parser_context: Any = None) -> Any:
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError as exc:
            raise ParseError(_("JSON parse error - the body is nested too deeply.")) from exc
