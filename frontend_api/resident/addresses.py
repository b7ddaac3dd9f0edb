"""The address alternative to the map: a typed address to a place, from the loaded address
extract (backend/geo; its search is `GET /api/v1/public/addresses/?q=`, which the page's
combobox calls). An installation without that search leaves the field out: the page's script
hides it when the search answers 404, and the form without JavaScript asks
addresses_available()."""

from django.urls import NoReverseMatch, reverse

from backend.geo.selectors import address_search


def addresses_available() -> bool:
    try:
        reverse("public-addresses")
    except NoReverseMatch:
        return False
    return True


def address_locate(text: str) -> tuple[float, float] | None:
    """(lat, lon) of the address the text names: the search's only match, or the one written
    exactly so (the combobox fills in the display form); None for none or several."""
    found = address_search(text, limit=10)
    wanted = " ".join(text.split()).casefold()
    exact = [a for a in found if " ".join(a.display.split()).casefold() == wanted]
    chosen = exact[0] if len(exact) == 1 else found[0] if len(found) == 1 else None
    if chosen is None or chosen.point is None:
        return None
    return chosen.point.y, chosen.point.x
