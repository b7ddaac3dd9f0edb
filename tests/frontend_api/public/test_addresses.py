"""GET /api/v1/public/addresses/?q=: prefix search for residents and staff, at most 10,
throttled, documented; 400 naming `q` for a short or missing one; an empty list without
loaded addresses."""

import pytest
from django.contrib.gis.geos import Point
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from backend.geo.addresses import address_query_parse, address_search_text
from backend.geo.models import Address
from tests.frontend_api.public.test_throttles import assert_throttled

pytestmark = pytest.mark.django_db
URL = "/api/v1/public/addresses/"


@pytest.fixture(autouse=True)
def _own_addresses():
    Address.objects.all().delete()


def _add(street: str, number: int, suffix: str = "", postcode: str = "1017GB") -> None:
    Address.objects.create(
        street=street,
        number=number,
        number_suffix=suffix,
        postcode=postcode,
        city="Amsterdam",
        point=Point(4.889, 52.3645, srid=4326),
        search=address_search_text(street=street, number=number, suffix=suffix),
    )


def _found(q: str, client: APIClient | None = None) -> list[str]:
    response = (client or APIClient()).get(URL, {"q": q})
    assert response.status_code == 200, response.content
    return [a["display"] for a in response.json()["results"]]


def test_street_prefix_with_number_and_addition():
    _add("Kerkstraat", 4)
    _add("Kerkstraat", 4, "A")
    _add("Kerkstraat", 40)
    _add("Kerkweg", 4, postcode="1018AB")
    _add("Keizersgracht", 4, postcode="1015CJ")
    assert _found("Kerkstr 4") == [
        "Kerkstraat 4, 1017 GB Amsterdam",
        "Kerkstraat 4A, 1017 GB Amsterdam",
    ]
    assert _found("kerkstraat 4a") == ["Kerkstraat 4A, 1017 GB Amsterdam"]
    assert _found("Kerk 4") == [
        "Kerkstraat 4, 1017 GB Amsterdam",
        "Kerkstraat 4A, 1017 GB Amsterdam",
        "Kerkweg 4, 1018 AB Amsterdam",
    ]
    assert _found("  KERKSTR ") == [
        "Kerkstraat 4, 1017 GB Amsterdam",
        "Kerkstraat 4A, 1017 GB Amsterdam",
        "Kerkstraat 40, 1017 GB Amsterdam",
    ]
    assert _found("Kerkstraat 5") == []


def test_postcode_with_or_without_number():
    _add("Kerkstraat", 4)
    _add("Kerkstraat", 5)
    _add("Dam", 1, postcode="1012JS")
    assert _found("1017GB 5") == ["Kerkstraat 5, 1017 GB Amsterdam"]
    assert _found("1017 gb") == [
        "Kerkstraat 4, 1017 GB Amsterdam",
        "Kerkstraat 5, 1017 GB Amsterdam",
    ]
    assert _found("1012") == ["Dam 1, 1012 JS Amsterdam"]


def test_at_most_ten_in_street_and_number_order_with_every_field():
    for number in range(15, 0, -1):
        _add("Dapperstraat", number, postcode="1093BS")
    response = APIClient().get(URL, {"q": "Dapper"})
    results = response.json()["results"]
    assert [a["number"] for a in results] == list(range(1, 11))
    assert results[0] == {
        "street": "Dapperstraat",
        "number": 1,
        "suffix": "",
        "postcode": "1093BS",
        "city": "Amsterdam",
        "display": "Dapperstraat 1, 1093 BS Amsterdam",
        # Where it is: the resident's app puts its pin there.
        "lat": 52.3645,
        "lon": 4.889,
    }


def test_without_loaded_addresses_an_empty_list():
    assert _found("Kerkstraat 4") == []


@pytest.mark.parametrize("params", [{"q": "k"}, {"q": " k "}, {"q": ""}, {}, {"q": "x" * 101}])
def test_a_short_missing_or_long_q_is_a_400_naming_it(params):
    response = APIClient().get(URL, params)
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["q"]


def test_an_unknown_parameter_is_a_400_naming_it():
    response = APIClient().get(URL, {"q": "Kerk", "city": "Amsterdam"})
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["city"]


def test_staff_use_the_same_endpoint(staff_client):
    _add("Kerkstraat", 4)
    assert _found("Kerkstr", staff_client) == ["Kerkstraat 4, 1017 GB Amsterdam"]


def test_throttled_per_client(rate_limits):
    rate_limits(address_lookup="3/min")
    client = APIClient(REMOTE_ADDR="203.0.113.9")
    for _ in range(3):
        assert client.get(URL, {"q": "Kerk"}).status_code == 200
    assert_throttled(client.get(URL, {"q": "Kerk"}))
    assert APIClient(REMOTE_ADDR="198.51.100.4").get(URL, {"q": "Kerk"}).status_code == 200


def test_documented_in_the_schema():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    operation = schema["paths"]["/api/v1/public/addresses/"]["get"]
    assert [p.get("name") for p in operation["parameters"] if "name" in p] == ["q"]
    assert {"200", "400", "429"} <= set(operation["responses"])


@pytest.mark.parametrize(
    ("q", "street", "postcode", "number", "suffix"),
    [
        ("Kerkstr 4", "kerkstr", "", 4, ""),
        ("2e Jan Steenstraat 10b", "2e jan steenstraat", "", 10, "b"),
        ("Kerkstraat 4-2", "kerkstraat", "", 4, "2"),
        ("Sint-Jansstraat", "sint jansstraat", "", None, ""),
        ("Prinses Irénestraat 1", "prinses irenestraat", "", 1, ""),
        ("1234AB 5", "", "1234AB", 5, ""),
        ("1234 ab", "", "1234AB", None, ""),
    ],
)
def test_what_a_searcher_typed_is_understood(q, street, postcode, number, suffix):
    query = address_query_parse(q)
    assert (query.street, query.postcode, query.number, query.suffix) == (
        street,
        postcode,
        number,
        suffix,
    )
