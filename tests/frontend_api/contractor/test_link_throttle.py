"""The one-time-link page is a token lookup like the residents' ones: a client guessing links
is refused (a 429 page with Retry-After), the contractor with the real link is not."""

import pytest
from django.test import Client

from tests.contractors.conftest import offered, sent_link_token

pytestmark = pytest.mark.django_db


def test_guessing_links_is_refused_and_the_contractor_is_served(rate_limits, link_firm, dispatcher):
    rate_limits(token_miss="3/10min")
    token = sent_link_token(offered(link_firm, dispatcher))
    guesser = Client(REMOTE_ADDR="203.0.113.90")
    assert [guesser.get(f"/contractor/link/guess{n}/").status_code for n in range(3)] == [404] * 3
    refused = guesser.get(f"/contractor/link/{token}/")
    assert refused.status_code == 429
    assert 120 <= int(refused["Retry-After"]) <= 200  # 10 min / 3
    assert refused["Content-Type"].startswith("text/html")
    assert "Too many requests" in refused.content.decode()
    assert guesser.post(f"/contractor/link/{token}/", {"action": "accept"}).status_code == 429
    contractor = Client(REMOTE_ADDR="198.51.100.90")
    assert [contractor.get(f"/contractor/link/{token}/").status_code for _ in range(10)] == [
        200
    ] * 10


def test_link_lookups_are_limited_per_client(rate_limits, link_firm, dispatcher):
    rate_limits(token_lookup="2/min")
    token = sent_link_token(offered(link_firm, dispatcher))
    client = Client(REMOTE_ADDR="198.51.100.91")
    assert [client.get(f"/contractor/link/{token}/").status_code for _ in range(3)] == [
        200,
        200,
        429,
    ]
