"""Every endpoint that should be throttled is, and the schema says so."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from drf_spectacular.generators import SchemaGenerator

from frontend_api.common.throttling import (
    ClassifyThrottle,
    FollowThrottle,
    IntakeThrottle,
    TokenLookupThrottle,
)


def _patterns(resolver: URLResolver, prefix: str = ""):
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            yield from _patterns(entry, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry.callback


def _throttles(callback) -> set[type]:
    # A DRF view's class, or a plain view's function (the decorators keep its attributes).
    view = getattr(callback, "view_class", callback)
    return set(getattr(view, "throttle_classes", ()))


def test_every_public_route_with_a_token_in_its_path_is_a_throttled_lookup():
    routes = {route: callback for route, callback in _patterns(get_resolver())}
    tokened = [route for route in routes if "token>" in route]
    assert len(tokened) >= 9, tokened
    assert "contractor/link/<str:token>/" in tokened
    for route in tokened:
        assert TokenLookupThrottle in _throttles(routes[route]), route


@pytest.mark.parametrize(
    ("route", "throttle"),
    [
        ("api/v1/public/reports/", IntakeThrottle),
        ("api/v1/public/classify/", ClassifyThrottle),
        ("api/v1/public/reports/<str:tracking_token>/follow/", FollowThrottle),
        ("api/v1/public/reports/<str:tracking_token>/subscriptions/", FollowThrottle),
    ],
)
def test_intake_classify_and_following_have_their_throttles(route, throttle):
    routes = dict(_patterns(get_resolver()))
    assert throttle in _throttles(routes[route])


def test_every_throttled_operation_documents_its_429_with_retry_after():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    throttled = {
        ("/api/v1/public/reports/", "post"),
        ("/api/v1/public/classify/", "post"),
        ("/api/v1/public/reports/{tracking_token}/", "get"),
        ("/api/v1/public/reports/{tracking_token}/follow/", "post"),
        ("/api/v1/public/reports/{tracking_token}/feedback/", "post"),
        ("/api/v1/public/reports/{tracking_token}/reply/", "post"),
        ("/api/v1/public/reports/{tracking_token}/subscriptions/", "post"),
        ("/api/v1/public/reports/{tracking_token}/subscriptions/{subscription_id}/", "delete"),
        ("/api/v1/public/confirm/{token}/", "post"),
        ("/api/v1/public/unsubscribe/{token}/", "post"),
        # Token-authenticated: unknown tokens are throttled.
        ("/api/v1/staff/reports/", "get"),
        ("/api/v1/contractor/assignments/", "get"),
    }
    for path, method in throttled:
        response = schema["paths"][path][method]["responses"]["429"]
        assert response["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/Error"
        }, (path, method)
        assert response["headers"]["Retry-After"]["schema"] == {"type": "integer"}
    # Nothing throttles the category list: no 429 promised there.
    assert "429" not in schema["paths"]["/api/v1/public/categories/"]["get"]["responses"]
