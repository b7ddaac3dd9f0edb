"""The console in a real headless Chromium at a desk's screen size, against
backend.config.asgi under uvicorn (HTTP and the staff feed's WebSocket) and the real PostGIS
and Redis. axe-core checks every page; screenshots go to var/screenshots/console-*.png."""

import json

import pytest
import requests
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select, WebDriverWait

from backend.accounts.models import User
from backend.reports.models import Report, ReportEvent
from tests.conftest import DAM, NOORD, screenshot
from tests.frontend_api.resident.conftest import axe_violations, csp_violations
from tests.notifications.conftest import publish
from tests.reports.factories import make_report

from .conftest import PASSWORD, console_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def desk(browser):
    browser.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": 1366, "height": 900, "deviceScaleFactor": 1, "mobile": False},
    )
    browser.execute_cdp_cmd(
        "Emulation.setUserAgentOverride",
        {
            "userAgent": browser.execute_script("return navigator.userAgent"),
            "acceptLanguage": "nl-NL,nl",
        },
    )
    browser.set_script_timeout(30)
    return browser


@pytest.fixture
def site(live_asgi):
    return f"http://{live_asgi}"


def _wait(browser, condition, timeout=20):
    return WebDriverWait(browser, timeout).until(condition)


def _clean(browser, page):
    assert axe_violations(browser) == [], page
    assert csp_violations(browser) == [], page


def _sign_in(browser, site, username):
    browser.get(site + "/console/")
    _wait(browser, lambda d: "/console/login/" in d.current_url)
    browser.find_element(By.ID, "id_username").send_keys(username)
    browser.find_element(By.ID, "id_password").send_keys(PASSWORD)
    browser.find_element(By.ID, "login-submit").click()
    _wait(browser, lambda d: d.find_elements(By.ID, "queue-title"))


def _rows(browser):
    return browser.find_elements(By.CSS_SELECTOR, "#queue-rows tbody tr[data-id]")


def test_sign_in_filter_open_assign_to_a_contractor_and_the_timeline_shows_it(
    desk, site, link_firm
):
    console_user("anna", User.Role.DISPATCHER)
    container = make_report(text="De container bij de school is vol")
    make_report(
        text="Lamp kapot", category="wegen-verkeer-straatmeubilair/straatverlichting", at=NOORD
    )

    desk.get(site + "/console/login/")
    assert desk.find_element(By.TAG_NAME, "html").get_attribute("lang") == "nl"
    screenshot(desk, "console-login")
    _clean(desk, "login")
    _sign_in(desk, site, "anna")
    assert len(_rows(desk)) == 2

    Select(desk.find_element(By.ID, "f-category")).select_by_value("afval/container-is-vol")
    desk.find_element(By.ID, "filter-submit").click()
    _wait(desk, lambda d: len(_rows(d)) == 1)
    # The count arrives after the rows, for the same filter.
    _wait(desk, lambda d: d.find_elements(By.CSS_SELECTOR, "#queue-count [data-count='1']"))
    screenshot(desk, "console-queue")
    _clean(desk, "queue")

    desk.find_element(By.CSS_SELECTOR, "#queue-rows a.open").click()
    _wait(desk, lambda d: d.find_elements(By.ID, "report-title"))
    assert container.short_id in desk.find_element(By.ID, "report-title").text
    _wait(desk, lambda d: d.find_elements(By.CSS_SELECTOR, "#report-map .leaflet-marker-icon"))
    Select(desk.find_element(By.ID, "a-contractor")).select_by_value("boomzorg")
    desk.find_element(By.ID, "assign-submit").click()
    _wait(
        desk,
        lambda d: len(d.find_elements(By.CSS_SELECTOR, "#timeline li[data-type=assigned]")) == 2,
    )
    # The second: the first was the routing's, at intake.
    assigned = desk.find_elements(By.CSS_SELECTOR, "#timeline li[data-type=assigned]")[-1].text
    assert "boomzorg" in assigned and "anna" in assigned
    assert "Boomzorg BV" in desk.find_element(By.ID, "report-assignee").text
    container.refresh_from_db()
    assert container.contractor == link_firm
    screenshot(desk, "console-report")
    _clean(desk, "report page")


def test_a_report_made_through_the_public_api_appears_in_the_open_queue(desk, site):
    console_user("anna", User.Role.DISPATCHER)
    make_report(text="Er was er al een")
    _sign_in(desk, site, "anna")
    _wait(desk, lambda d: d.find_element(By.ID, "live").get_attribute("data-connected") == "true")
    assert len(_rows(desk)) == 1
    marker = desk.execute_script("return window.performance.timeOrigin")

    answer = requests.post(
        site + "/api/v1/public/reports/",
        json={
            "text": "Er ligt glas op het fietspad",
            "category": "afval/container-is-vol",
            "lat": DAM[0],
            "lon": DAM[1],
        },
        timeout=30,
    )
    assert answer.status_code == 201, answer.text
    publish()  # the outbox drain, as the worker would run it

    _wait(desk, lambda d: len(_rows(d)) == 2)
    assert "Er ligt glas op het fietspad" in desk.find_element(By.ID, "queue-rows").text
    assert desk.execute_script("return window.performance.timeOrigin") == marker  # no reload
    assert desk.find_element(By.ID, "live").text == "De wachtrij is bijgewerkt."


def test_a_bulk_status_change(desk, site):
    console_user("anna", User.Role.DISPATCHER)
    reports = [make_report(text=f"Volle container {n}") for n in range(3)]
    _sign_in(desk, site, "anna")
    boxes = desk.find_elements(By.CSS_SELECTOR, "#queue-rows input[name=ids]")
    boxes[0].click()
    boxes[1].click()
    Select(desk.find_element(By.ID, "b-action")).select_by_value("transition")
    Select(desk.find_element(By.ID, "b-to")).select_by_value("in_progress")
    desk.find_element(By.ID, "bulk-submit").click()
    _wait(desk, lambda d: d.find_elements(By.CSS_SELECTOR, ".messages li.success"))
    assert "2 van 2" in desk.find_element(By.CSS_SELECTOR, ".messages").text
    statuses = sorted(
        Report.objects.filter(pk__in=[r.pk for r in reports]).values_list("status", flat=True)
    )
    assert statuses == ["in_progress", "in_progress", "received"]
    _clean(desk, "queue after a bulk action")


def test_keyboard_only_triage_of_three_reports(desk, site):
    console_user("anna", User.Role.DISPATCHER)
    reports = [make_report(text=f"Container {n} zit vol") for n in range(3)]
    _sign_in(desk, site, "anna")
    desk.get(site + "/console/?status=received")
    keys = ActionChains(desk)
    keys.send_keys("?").perform()
    _wait(desk, lambda d: d.find_element(By.ID, "help").get_attribute("open") is not None)
    screenshot(desk, "console-keyboard-help")
    _clean(desk, "keyboard help")
    ActionChains(desk).send_keys(Keys.ESCAPE).perform()
    for done in range(3):
        _wait(desk, lambda d, left=3 - done: len(_rows(d)) == left)
        ActionChains(desk).send_keys("j").perform()
        # The move is announced to screen readers.
        _wait(desk, lambda d: "(1 van" in d.find_element(By.ID, "announce").text)
        ActionChains(desk).send_keys("s").perform()
        _wait(desk, lambda d: d.find_elements(By.ID, "report-title"))
        _wait(desk, lambda d: d.switch_to.active_element.get_attribute("id") == "s-to")
        # In the status list: down to "in behandeling" (in_progress), then Tab to the button.
        options = [
            o.get_attribute("value") for o in desk.find_elements(By.CSS_SELECTOR, "#s-to option")
        ]
        steps = options.index("in_progress")
        ActionChains(desk).send_keys(*([Keys.ARROW_DOWN] * steps)).perform()
        assert (
            desk.find_element(By.ID, "s-text").get_attribute("value")
            == "Er wordt aan uw melding gewerkt."
        )
        # Past the resolution, the standard text and the message itself to the button.
        ActionChains(desk).send_keys(*([Keys.TAB] * 4)).perform()
        assert desk.switch_to.active_element.get_attribute("id") == "status-submit"
        ActionChains(desk).send_keys(Keys.ENTER).perform()
        _wait(desk, lambda d: d.find_elements(By.CSS_SELECTOR, ".messages li.success"))
        ActionChains(desk).send_keys("u").perform()
        _wait(desk, lambda d: d.find_elements(By.ID, "queue-title"))
    _wait(desk, lambda d: len(_rows(d)) == 0)
    assert set(
        Report.objects.filter(pk__in=[r.pk for r in reports]).values_list("status", flat=True)
    ) == {"in_progress"}
    changed = ReportEvent.objects.filter(type="status_changed", report__in=reports)
    assert changed.count() == 3 and {e.public_payload.get("text") for e in changed} == {
        "Er wordt aan uw melding gewerkt."
    }


def test_a_department_user_cannot_open_another_departments_report(desk, site):
    from backend.taxonomy.selectors import department_by_code

    console_user("wim", User.Role.DEPARTMENT, department=department_by_code("ASC"))
    mine = make_report()
    lamp = make_report(category="wegen-verkeer-straatmeubilair/straatverlichting", at=NOORD)
    _sign_in(desk, site, "wim")
    assert [row.get_attribute("data-id") for row in _rows(desk)] == [str(mine.id)]
    desk.get(site + f"/console/r/{lamp.id}/")
    assert not desk.find_elements(By.ID, "report-title")
    assert lamp.text not in desk.page_source
    desk.get(site + f"/console/r/{mine.id}/")
    assert desk.find_elements(By.ID, "report-title")


def test_the_map_and_the_administrators_page(desk, site, shipped_rules):
    console_user("beheer", User.Role.ADMIN)
    for n in range(4):
        make_report(text=f"Container {n}")
    _sign_in(desk, site, "beheer")
    desk.get(site + "/console/kaart/?category=afval")
    _wait(desk, lambda d: d.find_element(By.ID, "console-map").get_attribute("data-loaded") == "4")
    assert desk.find_elements(
        By.CSS_SELECTOR, "#console-map path.leaflet-interactive, #console-map path"
    )  # the outline
    screenshot(desk, "console-map")
    _clean(desk, "map")
    desk.get(site + "/console/beheer/")
    assert str(shipped_rules.version) in desk.find_element(By.ID, "active-ruleset").text
    screenshot(desk, "console-admin")
    _clean(desk, "administration")
    assert json.loads(desk.execute_script("return JSON.stringify(1)")) == 1


def test_an_administrators_standard_text_is_offered_and_sent_with_the_status(desk, site):
    console_user("beheer", User.Role.ADMIN)
    report = make_report(text="Container vol bij het station")
    _sign_in(desk, site, "beheer")
    desk.get(site + "/console/beheer/#texts")
    Select(desk.find_element(By.ID, "tn-status")).select_by_value("in_progress")
    desk.find_element(By.ID, "tn-title").send_keys("Ploeg onderweg")
    desk.find_element(By.ID, "tn-nl").send_keys("De ploeg is onderweg naar de container.")
    desk.find_element(By.CSS_SELECTOR, "#text-new button[type=submit]").click()
    _wait(desk, lambda d: d.find_elements(By.CSS_SELECTOR, ".messages li.success"))
    assert "Ploeg onderweg" in desk.find_element(By.CSS_SELECTOR, "#texts details summary").text
    desk.find_element(By.CSS_SELECTOR, "#texts details summary").click()
    screenshot(desk, "console-standard-texts")
    _clean(desk, "standard texts")

    desk.get(site + f"/console/r/{report.id}/")
    _wait(desk, lambda d: d.find_elements(By.ID, "s-to"))
    Select(desk.find_element(By.ID, "s-to")).select_by_value("in_progress")
    message = desk.find_element(By.ID, "s-text")
    # The status's own text fills the message; the other statuses' texts are not offered.
    assert message.get_attribute("value") == "De ploeg is onderweg naar de container."
    offered = [
        o.text for o in Select(desk.find_element(By.ID, "s-standard")).options if o.is_enabled()
    ]
    assert offered == ["Ploeg onderweg"]
    message.send_keys(" Morgen voor 12 uur.")
    desk.find_element(By.ID, "status-submit").click()
    _wait(desk, lambda d: d.find_elements(By.CSS_SELECTOR, ".messages li.success"))
    assert "Morgen voor 12 uur." in desk.find_element(By.ID, "timeline").text
    sent = ReportEvent.objects.filter(report=report, type="status_changed").last()
    assert sent.public_payload["text"] == (
        "De ploeg is onderweg naar de container. Morgen voor 12 uur."
    )
    _clean(desk, "report page after the status change")
