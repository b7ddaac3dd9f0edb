"""The queue's and the map's filter form, read as the staff API reads its query: the form
sends each filter as a field (several values as repeated fields), the API validation
(frontend_api/staff/filters.py) decides what is valid."""

from typing import Any

from django.http import QueryDict
from rest_framework import serializers

from frontend_api.staff.filters import ReportFilterSerializer, ReportListQuerySerializer

FILTER_NAMES = tuple(ReportFilterSerializer().fields)
LIST_NAMES = tuple(ReportListQuerySerializer().fields)


def form_params(query: QueryDict, names: tuple[str, ...]) -> dict[str, str]:
    """The filled-in fields among `names`, several values joined with commas as the API
    takes them; empty fields are no filter."""
    params: dict[str, str] = {}
    for name in names:
        values = [v.strip() for v in query.getlist(name) if v.strip()]
        if values:
            params[name] = ",".join(values)
    return params


def validated(serializer_class: type[serializers.Serializer], params: dict[str, str]) -> Any:
    """(validated data, None) or (None, {field: [messages]})."""
    serializer = serializer_class(data=params)
    if serializer.is_valid():
        return serializer.validated_data, None
    errors = serializer.errors
    return None, {
        name: [str(message) for message in (messages if isinstance(messages, list) else [messages])]
        for name, messages in errors.items()
    }
