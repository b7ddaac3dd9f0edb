"""No resident's link can be computed without a secret only this installation holds, and a
rotation keeps the links in circulation working while their secret is a fallback (issue #14,
finding 1)."""

import base64
import hashlib
import hmac
import uuid

import pytest
from django.core import signing
from django.core.management import call_command

from backend.common.tokens import token_derive
from backend.notifications.mail import resident_links
from backend.notifications.models import Subscription
from backend.notifications.selectors import report_ref_by_tracking_token
from backend.notifications.services import subscription_add
from backend.notifications.tokens import (
    _follow_cipher,
    confirm_token_for,
    confirm_token_of,
    follow_token_for,
    report_id_for_follow_token,
    unsubscribe_token_for,
)
from backend.reports.models import Report
from backend.reports.tracking import tracking_token_for
from tests.conftest import DAM
from tests.notifications.conftest import publish
from tests.reports.factories import make_report

pytestmark = pytest.mark.django_db

BUILTIN = "meldpunt-local-development-key-not-for-production-use"


def _forged(secret: str, report_id: uuid.UUID, purpose: str = "report-tracking") -> str:
    """What an outsider computes: the derivation as it always was, with a secret they know."""
    digest = hmac.new(secret.encode(), purpose.encode() + b":" + report_id.bytes, hashlib.sha256)
    return base64.urlsafe_b64encode(digest.digest()).decode().rstrip("=")[:32]


def _status(client, token: str) -> int:
    return client.get(f"/api/v1/public/reports/{token}/").status_code


def _follow(client, token: str, email: str = "volger@example.nl") -> int:
    url = f"/api/v1/public/reports/{token}/follow/"
    return client.post(url, {"email": email}, format="json").status_code


def test_a_token_forged_with_the_public_builtin_key_opens_nothing(public_client, settings):
    # A report made while the installation still ran on the built-in key (before the
    # bootstrap wrote var/secret-key): its stored hash is that of the forgeable token.
    settings.TRACKING_TOKEN_SECRET, settings.SECRET_KEY = "", BUILTIN
    before = make_report()
    forged_before = _forged(BUILTIN, before.id)
    assert (
        Report.objects.get(pk=before.pk).tracking_token_hash
        == hashlib.sha256(forged_before.encode()).hexdigest()
    )
    assert _status(public_client, forged_before) == 200  # as it was: anyone could compute it

    settings.SECRET_KEY = "this-installations-own-key"
    after = make_report(text="Afval naast de container")
    for report in (before, after):
        forged = _forged(BUILTIN, report.id)
        assert _status(public_client, forged) == 404
        assert _follow(public_client, forged) == 404
        assert report_ref_by_tracking_token(forged) is None  # the resident's socket
    assert _status(public_client, tracking_token_for(after.id)) == 200
    assert _status(public_client, _forged("this-installations-own-key", after.id)) == 200

    # The report made before gets a link that works (its next mail carries it); the forgeable
    # one stays dead.
    call_command("links_renew")
    assert _status(public_client, tracking_token_for(before.id)) == 200
    assert _status(public_client, forged_before) == 404


def test_a_private_secret_keeps_its_tokens(public_client, settings):
    """An installation that had its own secret: the derivation is unchanged, so every link it
    issued stays valid."""
    settings.TRACKING_TOKEN_SECRET = "a-municipality-s-private-secret"
    report = make_report(email="bewoner@example.nl", allow_contact=True)
    issued = _forged("a-municipality-s-private-secret", report.id)
    assert tracking_token_for(report.id) == issued
    assert _status(public_client, issued) == 200
    publish()  # the outbox subscriber makes the reporter's subscription
    subscription = Subscription.objects.get(report=report)
    assert unsubscribe_token_for(subscription.id) == _forged(
        "a-municipality-s-private-secret", subscription.id, "unsubscribe"
    )


def _intake_duplicate(client) -> tuple[Report, str]:
    first = make_report()
    response = client.post(
        "/api/v1/public/reports/",
        {
            "text": "Container vol",
            "category": "afval/container-is-vol",
            "lat": DAM[0],
            "lon": DAM[1],
        },
        format="json",
    )
    assert response.status_code == 201
    (duplicate,) = response.json()["possible_duplicates"]
    return first, duplicate["follow_token"]


def test_a_follow_token_shows_no_report_id_and_is_no_tracking_token(public_client, settings):
    first, token = _intake_duplicate(public_client)
    assert token == follow_token_for(first.id)
    sealed = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    assert len(token) == 43 and len(sealed) == 32
    for form in (
        first.id.hex,
        str(first.id),
        base64.urlsafe_b64encode(first.id.bytes).decode().rstrip("="),
        base64.b64encode(first.id.bytes).decode().rstrip("="),
    ):
        assert form.lower() not in token.lower()
    assert first.id.bytes not in sealed
    # It follows, and opens nothing; the tracking token is another value altogether.
    assert _status(public_client, token) == 404
    assert token != tracking_token_for(first.id)
    assert _follow(public_client, token) == 201
    assert Subscription.objects.get(email="volger@example.nl").report_id == first.id
    # One made with the public built-in key (the code is public, so is how to encrypt) fails.
    outsiders = base64.urlsafe_b64encode(
        _follow_cipher(BUILTIN).encrypt(first.id.bytes, [b"meldpunt.report-follow"])
    ).decode()
    assert report_id_for_follow_token(outsiders.rstrip("=")) is None
    assert _follow(public_client, outsiders.rstrip("="), "ander@example.nl") == 404
    tampered = token[:-2] + ("AA" if token[-2:] != "AA" else "BB")
    assert _follow(public_client, tampered, "ander@example.nl") == 404
    # Another installation (another secret) cannot read this one's tokens.
    settings.TRACKING_TOKEN_SECRET = "another-installation"
    assert report_id_for_follow_token(token) is None


def test_a_follow_token_issued_before_still_follows_unless_signed_with_the_builtin_key(
    public_client, settings
):
    report = make_report()
    signed = signing.Signer(salt="meldpunt.report-follow").sign(report.id.hex)
    assert _follow(public_client, signed) == 201
    forged = signing.Signer(key=BUILTIN, salt="meldpunt.report-follow").sign(report.id.hex)
    assert _follow(public_client, forged, "ander@example.nl") == 404


def test_during_a_rotation_links_made_with_the_previous_secret_keep_working(
    public_client, settings
):
    settings.TRACKING_TOKEN_SECRET = "secret-of-2025"
    old = make_report(email="bewoner@example.nl", allow_contact=True)
    old_token = tracking_token_for(old.id)
    old_follow = follow_token_for(old.id)
    publish()
    subscription = Subscription.objects.get(report=old)
    old_unsubscribe = unsubscribe_token_for(subscription.id)

    settings.TRACKING_TOKEN_SECRET = "secret-of-2026"
    settings.TRACKING_TOKEN_SECRET_FALLBACKS = ["secret-of-2025"]
    new = make_report(text="Afval naast de container", at=(52.3740, 4.8930))
    assert tracking_token_for(new.id) == _forged("secret-of-2026", new.id)
    assert _status(public_client, tracking_token_for(new.id)) == 200
    # The old report: its link works and stays the one it has, in answers and in mails.
    answer = public_client.get(f"/api/v1/public/reports/{old_token}/")
    assert answer.status_code == 200
    assert old_token in answer.json()["links"]["self"]
    links = resident_links(Report.objects.get(pk=old.pk), subscription)
    assert old_token in links["tracking_url"] and old_unsubscribe in links["unsubscribe_url"]
    assert _follow(public_client, old_follow) == 201
    assert report_id_for_follow_token(follow_token_for(old.id)) == old.id  # new ones too

    # The rotation ends: links still made with the previous secret are renewed, after which
    # the fallback goes. The old links stop working; the new ones work.
    call_command("links_renew", "--retire-fallbacks")
    settings.TRACKING_TOKEN_SECRET_FALLBACKS = []
    assert _status(public_client, old_token) == 404
    assert _follow(public_client, old_follow, "ander@example.nl") == 404
    assert public_client.post(f"/api/v1/public/unsubscribe/{old_unsubscribe}/").status_code == 404
    renewed = tracking_token_for(old.id)
    assert _status(public_client, renewed) == 200
    links = resident_links(
        Report.objects.get(pk=old.pk), Subscription.objects.get(pk=subscription.pk)
    )
    assert renewed in links["tracking_url"]
    unsubscribe = links["unsubscribe_url"].removeprefix("http://testserver")
    assert public_client.post(unsubscribe).status_code == 200
    assert not Subscription.objects.filter(pk=subscription.pk).exists()


def test_dropping_a_secret_without_renewing_kills_its_links_until_renewed(public_client, settings):
    settings.TRACKING_TOKEN_SECRET = "leaked-secret"
    report = make_report()
    follower, _ = subscription_add(
        report_id=report.id,
        origin=Subscription.Origin.FOLLOWER,
        language="nl",
        email="v@example.nl",
    )
    leaked = tracking_token_for(report.id)
    settings.TRACKING_TOKEN_SECRET = "fresh-secret"
    assert _status(public_client, leaked) == 404
    old_confirm = token_derive(secret="leaked-secret", purpose="confirm", subject=follower.id.bytes)
    assert public_client.post(f"/api/v1/public/confirm/{old_confirm}/").status_code == 404
    # No dead links in a mail meanwhile.
    assert resident_links(report, follower) == {
        "tracking_url": "",
        "feedback_url": "",
        "unsubscribe_url": "",
    }
    assert confirm_token_of(follower) is None
    call_command("links_renew")
    report = Report.objects.get(pk=report.pk)
    follower = Subscription.objects.get(pk=follower.pk)
    assert _status(public_client, tracking_token_for(report.id)) == 200
    assert resident_links(report, follower)["unsubscribe_url"].endswith(
        f"/unsubscribe/{unsubscribe_token_for(follower.id)}/"
    )
    assert confirm_token_of(follower) == confirm_token_for(follower.id)
    path = f"/api/v1/public/confirm/{confirm_token_for(follower.id)}/"
    assert public_client.post(path).status_code == 200
