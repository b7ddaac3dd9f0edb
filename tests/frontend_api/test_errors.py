"""Every error code the API sends is one of ErrorCode, DRF's own included."""

import inspect

import pytest
from rest_framework import exceptions

from frontend_api.common.errors import ErrorCode


def test_every_drf_exception_code_is_listed():
    codes = {
        cls.default_code
        for _, cls in inspect.getmembers(exceptions, inspect.isclass)
        if issubclass(cls, exceptions.APIException)
    }
    assert codes <= set(ErrorCode)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("method", "headers", "status", "code"),
    [
        ("get", {}, 401, ErrorCode.NOT_AUTHENTICATED),
        ("get", {"HTTP_AUTHORIZATION": "Token nope"}, 401, ErrorCode.AUTHENTICATION_FAILED),
        ("delete", {}, 405, ErrorCode.METHOD_NOT_ALLOWED),
        ("get", {"HTTP_ACCEPT": "text/html"}, 406, ErrorCode.NOT_ACCEPTABLE),
    ],
)
def test_drf_refusals_answer_with_their_listed_code(
    public_client, staff_client, method, headers, status, code
):
    client = staff_client if method == "delete" or "HTTP_ACCEPT" in headers else public_client
    response = getattr(client, method)("/api/v1/staff/reports/", **headers)
    assert response.status_code == status
    assert response.json()["error"]["code"] == code
