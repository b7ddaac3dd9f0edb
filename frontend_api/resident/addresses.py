"""The address alternative to the map: a typed address to a place.

The address extract and its search (`GET /api/v1/public/addresses/?q=`) come with the triage
API's data work (issue #15). Until an installation has them, the form leaves the address field
out: the page's script hides it when the search answers 404, and the form without JavaScript
asks addresses_available().
"""

from django.urls import NoReverseMatch, reverse


def addresses_available() -> bool:
    try:
        reverse("public-addresses")
    except NoReverseMatch:
        return False
    return True


def address_locate(text: str) -> tuple[float, float] | None:
    """(lat, lon) of the one address the text names; None when it names none (or several)."""
    return None
