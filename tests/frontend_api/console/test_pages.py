"""The console's pages and forms through Django's test client (the browser tests drive the
same pages in Chromium): sign-in and who may see what, the queue's filters, the actions."""

import re

import pytest

from backend.accounts.models import User
from backend.reports.models import Note, Report, ReportEvent, StandardText, StandardTextRevision
from backend.reports.workflow import STATUS_TEXT
from backend.taxonomy.selectors import department_by_code
from tests.conftest import NOORD
from tests.reports.factories import make_report

from .conftest import PASSWORD, console_user, post, signed_in

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "path", ["/console/", "/console/kaart/", "/console/beheer/", "/console/kaart/punten.json"]
)
def test_anonymous_visitors_are_sent_to_the_login_form(client, path):
    answer = client.get(path)
    assert answer.status_code == 302
    assert answer["Location"].startswith("/console/login/?next=")


def test_the_login_form_needs_its_csrf_token(dispatcher_user):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    answer = client.post("/console/login/", {"username": "anna", "password": PASSWORD})
    assert answer.status_code == 403
    assert "_auth_user_id" not in client.session


def test_a_wrong_password_says_so_and_repeated_ones_lock_the_account_out(dispatcher_user, settings):
    settings.AXES_FAILURE_LIMIT = 3
    from django.test import Client

    client = Client()
    for _ in range(2):
        answer = client.post("/console/login/", {"username": "anna", "password": "fout"})
        assert answer.status_code == 200
        assert "login-error" in answer.content.decode()
    client.post("/console/login/", {"username": "anna", "password": "fout"})
    # Locked out now: the right password is refused too.
    answer = client.post("/console/login/", {"username": "anna", "password": PASSWORD})
    assert answer.status_code in (403, 429)
    assert "_auth_user_id" not in client.session


def test_a_contractor_account_may_not_use_the_console(db, link_firm):
    user = user_create_contractor(link_firm)
    client = signed_in(user)
    assert client.get("/console/").status_code == 403


def user_create_contractor(firm):
    from backend.accounts.services import contractor_user_for

    user = contractor_user_for(contractor=firm)
    user.set_password(PASSWORD)  # contractors have none: this one tries the console anyway
    user.save()
    return user


def test_the_queue_lists_filters_and_pages_with_signed_cursors(dispatcher_console):
    for n in range(3):
        make_report(text=f"Container vol nummer {n}")
    make_report(text="Lamp kapot", category="wegen-verkeer-straatmeubilair/straatverlichting")
    page = dispatcher_console.get("/console/").content.decode()
    assert page.count('name="ids"') == 4
    filtered = dispatcher_console.get(
        "/console/", {"category": "afval/container-is-vol", "status": ["received", "assigned"]}
    ).content.decode()
    assert filtered.count('name="ids"') == 3 and "Lamp kapot" not in filtered
    first = dispatcher_console.get("/console/", {"page_size": "2", "ordering": "created"})
    body = first.content.decode()
    assert body.count('name="ids"') == 2 and "Container vol nummer 0" in body
    following = re.search(r'href="([^"]+)" rel="next"', body).group(1).replace("&amp;", "&")
    second = dispatcher_console.get(following).content.decode()
    assert second.count('name="ids"') == 2 and "Lamp kapot" in second


def test_a_bad_filter_is_named_and_no_rows_shown(dispatcher_console):
    make_report()
    page = dispatcher_console.get("/console/", {"status": "bogus", "radius": "0"}).content.decode()
    assert 'href="#f-status"' in page and 'href="#f-radius"' in page
    assert 'name="ids"' not in page


def test_the_htmx_refresh_answers_with_the_rows_only(dispatcher_console):
    make_report()
    answer = dispatcher_console.get("/console/", HTTP_HX_REQUEST="true").content.decode()
    assert answer.lstrip().startswith('<div id="queue-rows"') and "<html" not in answer


def test_assigning_to_a_contractor_from_the_report_page_is_in_the_timeline(
    dispatcher_console, link_firm
):
    report = make_report()
    answer = post(
        dispatcher_console,
        f"/console/r/{report.id}/toewijzen/",
        {"contractor": "boomzorg", "department": ""},
    )
    assert answer.status_code == 302 and answer["Location"].endswith("#assign")
    report.refresh_from_db()
    assert report.contractor == link_firm
    page = dispatcher_console.get(f"/console/r/{report.id}/").content.decode()
    assert 'data-type="assigned"' in page and "boomzorg" in page


def test_a_bad_action_is_named_and_changes_nothing(dispatcher_console):
    report = make_report()
    post(dispatcher_console, f"/console/r/{report.id}/status/", {"to": "nonsense"})
    page = dispatcher_console.get(f"/console/r/{report.id}/").content.decode()
    assert "to:" in page
    report.refresh_from_db()
    assert report.status == "received"


def test_status_note_priority_and_merge_go_through_the_services(dispatcher_console):
    report = make_report()
    other = make_report(text="Nog een volle container")
    post(
        dispatcher_console,
        f"/console/r/{report.id}/status/",
        {"to": "in_progress", "public_text": "We gaan erheen."},
    )
    post(dispatcher_console, f"/console/r/{report.id}/notitie/", {"text": "Buurman belde ook"})
    post(dispatcher_console, f"/console/r/{report.id}/wijzigen/", {"priority": "high"})
    report.refresh_from_db()
    assert (report.status, report.priority) == ("in_progress", "high")
    assert Note.objects.get(report=report).text == "Buurman belde ook"
    page = dispatcher_console.get(f"/console/r/{other.id}/").content.decode()
    assert f'value="{report.id}"' in page  # offered as the duplicate it is
    post(dispatcher_console, f"/console/r/{other.id}/samenvoegen/", {"into": str(report.id)})
    other.refresh_from_db()
    assert (other.status, other.merged_into_id) == ("closed", report.id)


def test_bulk_status_change_reports_each_outcome(dispatcher_console):
    reports = [make_report(text=f"Vol {n}") for n in range(3)]
    answer = post(
        dispatcher_console,
        "/console/bulk/",
        {
            "ids": [str(r.id) for r in reports],
            "action": "transition",
            "to": "in_progress",
            "department": "",
            "next": "/console/?status=received",
        },
    )
    assert answer.status_code == 302 and answer["Location"] == "/console/?status=received"
    assert set(Report.objects.values_list("status", flat=True)) == {"in_progress"}
    follow = dispatcher_console.get(answer["Location"]).content.decode()
    assert "3 van 3" in follow or "3 of 3" in follow


def test_department_staff_see_only_their_departments_reports(waste_staff):
    mine = make_report()
    lamp = make_report(category="wegen-verkeer-straatmeubilair/straatverlichting", at=NOORD)
    assert mine.department.code == "ASC" and lamp.department.code != "ASC"
    client = signed_in(waste_staff)
    queue = client.get("/console/").content.decode()
    assert str(mine.id) in queue and str(lamp.id) not in queue
    assert client.get(f"/console/r/{lamp.id}/").status_code == 404
    assert post(client, f"/console/r/{lamp.id}/status/", {"to": "in_progress"}).status_code == 404
    lamp.refresh_from_db()
    assert lamp.status == "received"


def test_contact_details_only_for_roles_allowed_to_see_them(db):
    report = make_report(email="bewoner@example.nl")
    allowed = signed_in(console_user("mag", User.Role.DISPATCHER, may_see_contact=True))
    assert "bewoner@example.nl" in allowed.get(f"/console/r/{report.id}/").content.decode()
    reader = signed_in(console_user("kijker", User.Role.READ_ONLY))
    page = reader.get(f"/console/r/{report.id}/").content.decode()
    assert "bewoner@example.nl" not in page and 'id="status"' not in page
    assert post(reader, f"/console/r/{report.id}/status/", {"to": "in_progress"}).status_code == 403


def test_the_map_points_use_the_filter_and_cluster_below_street_zoom(dispatcher_console):
    make_report()
    make_report(category="wegen-verkeer-straatmeubilair/straatverlichting")
    box = "4.85,52.35,4.95,52.40"
    near = dispatcher_console.get(
        "/console/kaart/punten.json", {"bbox": box, "zoom": "18", "category": "afval"}
    ).json()
    assert near["clustered"] is False and [p["count"] for p in near["points"]] == [1]
    far = dispatcher_console.get("/console/kaart/punten.json", {"bbox": box, "zoom": "10"}).json()
    assert far["clustered"] is True and sum(p["count"] for p in far["points"]) == 2
    bad = dispatcher_console.get("/console/kaart/punten.json", {"zoom": "10"})
    assert bad.status_code == 400 and "bbox" in bad.json()["errors"]


def test_administrators_upload_a_rule_set_and_every_error_is_listed(db, shipped_rules):
    from django.core.files.uploadedfile import SimpleUploadedFile

    admin = signed_in(console_user("beheer", User.Role.ADMIN))
    dispatcher = signed_in(console_user("disp", User.Role.DISPATCHER))
    assert dispatcher.get("/console/beheer/").status_code == 403
    page = admin.get("/console/beheer/").content.decode()
    assert f"Versie {shipped_rules.version}" in page or f"Version {shipped_rules.version}" in page
    broken = SimpleUploadedFile("regels.yaml", b"rules:\n  - id: a\n    when: {category: nope}\n")
    answer = post(admin, "/console/beheer/regels/", {"files": broken})
    assert answer.status_code == 302
    page = admin.get("/console/beheer/").content.decode()
    assert "regels.yaml" in page and 'class="error"' in page
    assert f"Versie {shipped_rules.version}" in page or f"Version {shipped_rules.version}" in page


def test_accepting_the_classifier_suggestion_sets_the_category(dispatcher_console):
    report = make_report(category=None)
    Report.objects.filter(pk=report.pk).update(
        suggested_category=department_by_code("ASC") and _category("afval/container-is-vol"),
        suggestion_probability=0.7,
    )
    page = dispatcher_console.get(f"/console/r/{report.id}/").content.decode()
    assert 'id="accept-suggestion"' in page
    post(
        dispatcher_console,
        f"/console/r/{report.id}/wijzigen/",
        {"category": "afval/container-is-vol"},
    )
    report.refresh_from_db()
    assert report.category.path == "afval/container-is-vol"
    assert ReportEvent.objects.filter(report=report, type="category_changed").exists()


def _category(path):
    from backend.taxonomy.selectors import category_by_path

    return category_by_path(path)


def test_the_count_comes_after_the_rows_for_the_same_filter(dispatcher_console):
    for n in range(3):
        make_report(text=f"Vol {n}")
    make_report(category="wegen-verkeer-straatmeubilair/straatverlichting")
    page = dispatcher_console.get("/console/", {"category": "afval/container-is-vol"})
    url = re.search(r'hx-get="(/console/aantal/\?[^"]+)"', page.content.decode()).group(1)
    count = dispatcher_console.get(url.replace("&amp;", "&")).content.decode()
    assert 'data-count="3"' in count and "Meldingen gevonden: 3" in count
    bad = dispatcher_console.get("/console/aantal/", {"status": "bogus"})
    assert bad.status_code == 400


def test_dutch_by_default_and_english_on_request(dispatcher_console):
    assert (
        '<h1 id="queue-title">Wachtrij</h1>' in dispatcher_console.get("/console/").content.decode()
    )
    post(dispatcher_console, "/i18n/setlang/", {"language": "en", "next": "/console/"})
    assert '<h1 id="queue-title">Queue</h1>' in dispatcher_console.get("/console/").content.decode()


def test_administrators_keep_the_standard_texts_and_dispatchers_are_offered_them(
    db, dispatcher_console
):
    admin = signed_in(console_user("beheer", User.Role.ADMIN))
    body = {"status": "in_progress", "title": "Ploeg onderweg", "text_nl": "De ploeg komt eraan."}
    answer = post(admin, "/console/beheer/teksten/", {**body, "text_en": "The crew is coming."})
    assert answer.status_code == 302
    text = StandardText.objects.get()
    assert answer["Location"] == f"/console/beheer/#text-{text.pk}"
    page = admin.get("/console/beheer/").content.decode()
    assert "Ploeg onderweg" in page and 'id="text-history"' in page

    report = make_report()
    offered = dispatcher_console.get(f"/console/r/{report.id}/").content.decode()
    assert 'data-status="in_progress" data-text="De ploeg komt eraan."' in offered
    # A status without texts of its own offers the workflow's default.
    assert f'data-status="closed" data-text="{STATUS_TEXT["closed"]["nl"]}"' in offered

    changed = {**body, "title": "Ploeg onderweg", "text_nl": "De ploeg is onderweg."}
    post(admin, f"/console/beheer/teksten/{text.pk}/", changed)
    text.refresh_from_db()
    assert text.text_nl == "De ploeg is onderweg." and text.text_en == ""
    post(admin, f"/console/beheer/teksten/{text.pk}/verwijderen/", {})
    assert not StandardText.objects.exists()
    assert [r.action for r in StandardTextRevision.objects.order_by("id")] == [
        "created",
        "changed",
        "removed",
    ]


def test_a_bad_standard_text_is_named_and_changes_nothing(db):
    admin = signed_in(console_user("beheer", User.Role.ADMIN))
    answer = post(
        admin, "/console/beheer/teksten/", {"status": "closed", "title": "", "text_nl": ""}
    )
    assert answer.status_code == 302
    page = admin.get("/console/beheer/").content.decode()
    assert "Titel:" in page and "Tekst (Nederlands):" in page
    assert not StandardText.objects.exists() and not StandardTextRevision.objects.exists()
    assert post(admin, "/console/beheer/teksten/999/", {"status": "closed"}).status_code == 404


def test_only_administrators_keep_the_standard_texts(dispatcher_console):
    body = {"status": "closed", "title": "Klaar", "text_nl": "Klaar."}
    assert post(dispatcher_console, "/console/beheer/teksten/", body).status_code == 403
    assert not StandardText.objects.exists()
    assert dispatcher_console.get("/console/beheer/teksten/").status_code == 405
