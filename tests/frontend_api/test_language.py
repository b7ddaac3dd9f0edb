"""Error messages in the language the request asks for (Accept-Language: nl or en, Dutch when
it asks for neither); codes and field names the same in every language."""

import gettext
import re
from pathlib import Path

import pytest
from django.conf import settings

from tests.conftest import DAM

pytestmark = pytest.mark.django_db

INTAKE = "/api/v1/public/reports/"
LOCATION_MISSING = {
    "en": "A location is required: lat and lon, or a photo with GPS data.",
    "nl": "Een locatie is vereist: lat en lon, of een foto met GPS-gegevens.",
}
# DRF's own message, from DRF's catalogue.
REQUIRED = {"en": "This field is required.", "nl": "Dit veld is vereist."}
INVALID = {"en": "The request has invalid fields.", "nl": "Het verzoek heeft ongeldige velden."}
NOT_FOUND = {"en": "Not found.", "nl": "Niet gevonden."}

# What the request sends -> the language of the answer.
ASKED = [
    ({"HTTP_ACCEPT_LANGUAGE": "nl"}, "nl"),
    ({"HTTP_ACCEPT_LANGUAGE": "en"}, "en"),
    ({}, "nl"),  # no header: Dutch first
    ({"HTTP_ACCEPT_LANGUAGE": "fr-FR,fr;q=0.9,de;q=0.8"}, "nl"),  # neither: Dutch
    ({"HTTP_ACCEPT_LANGUAGE": "en-GB,en;q=0.9"}, "en"),
    ({"HTTP_ACCEPT_LANGUAGE": "nl-BE"}, "nl"),
    ({"HTTP_ACCEPT_LANGUAGE": "de;q=1.0, en;q=0.8, nl;q=0.5"}, "en"),
]


@pytest.mark.parametrize(("headers", "language"), ASKED)
def test_field_errors_are_in_the_requested_language(public_client, headers, language):
    # No location, no text: our own message for lat/lon, DRF's for text.
    response = public_client.post(INTAKE, {"category": ""}, format="json", **headers)
    assert response.status_code == 400
    assert response["Content-Language"] == language
    assert "Accept-Language" in response["Vary"]
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert error["message"] == INVALID[language]
    assert error["fields"] == {"text": [REQUIRED[language]]}

    response = public_client.post(INTAKE, {"text": "De lamp is kapot"}, format="json", **headers)
    error = response.json()["error"]
    assert error["code"] == "invalid"
    # Field names are keys clients switch on: the same in every language.
    assert error["fields"] == {
        "lat": [LOCATION_MISSING[language]],
        "lon": [LOCATION_MISSING[language]],
    }


@pytest.mark.parametrize(("headers", "language"), ASKED)
def test_request_wide_errors_are_in_the_requested_language(public_client, headers, language):
    response = public_client.get("/api/v1/public/reports/not-a-token/", **headers)
    assert response.status_code == 404
    assert response["Content-Language"] == language
    assert response.json() == {"error": {"code": "not_found", "message": NOT_FOUND[language]}}

    # Outside any view (Django's 404 handler): the same.
    response = public_client.get("/api/v1/public/no-such-thing/", **headers)
    assert response.status_code == 404
    assert response.json() == {"error": {"code": "not_found", "message": NOT_FOUND[language]}}


def test_a_domain_refusal_is_translated_too(public_client):
    """A message raised by a service (the service-area check), not by a serializer."""
    body = {"text": "De lamp is kapot", "lat": DAM[1], "lon": DAM[0]}  # lat and lon swapped
    en = public_client.post(INTAKE, body, format="json", HTTP_ACCEPT_LANGUAGE="en").json()
    nl = public_client.post(INTAKE, body, format="json").json()
    assert en["error"]["fields"]["lat"] == [
        "This location lies outside the service area; are lat and lon swapped?"
    ]
    assert nl["error"]["fields"]["lat"] == [
        "Deze locatie ligt buiten het werkgebied; zijn lat en lon verwisseld?"
    ]
    assert en["error"]["code"] == nl["error"]["code"] == "invalid"
    assert en["error"]["fields"].keys() == nl["error"]["fields"].keys() == {"lat", "lon"}


def test_a_success_says_its_language_too(public_client):
    response = public_client.get("/api/v1/public/categories/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert response["Content-Language"] == "en"


def _po_entries(path: Path) -> dict[str, str]:
    """msgid -> msgstr of a .po file (the plain subset makemessages writes)."""
    entries: dict[str, str] = {}
    text = path.read_text(encoding="utf-8")
    for block in text.split("\n\n"):
        parts = re.findall(r'^(msgid|msgstr) ((?:"(?:[^"\\]|\\.)*"\n?)+)', block + "\n", re.M)
        fields = {
            key: "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', value))
            .replace('\\"', '"')
            .replace("\\n", "\n")
            for key, value in parts
        }
        if fields.get("msgid"):
            entries[fields["msgid"]] = fields["msgstr"]
    return entries


def test_every_dutch_message_is_translated_and_compiled():
    """The .mo committed next to the .po holds every entry of it (recompile after editing)."""
    directory = Path(settings.LOCALE_PATHS[0]) / "nl" / "LC_MESSAGES"
    po = _po_entries(directory / "django.po")
    assert len(po) > 50
    with open(directory / "django.mo", "rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    for msgid, msgstr in po.items():
        assert msgstr, f"untranslated: {msgid!r}"
        assert compiled.gettext(msgid) == msgstr, msgid
