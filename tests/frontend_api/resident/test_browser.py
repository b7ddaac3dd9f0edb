"""The resident's web app in a real headless Chromium as a phone (390x844, touch), against
backend.config.asgi under uvicorn (HTTP and the report's WebSocket) and the real PostGIS and
Redis. axe-core checks every page; screenshots go to var/screenshots/."""

import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select, WebDriverWait

from backend.notifications.models import Feedback
from backend.reports.actors import ActorRef
from backend.reports.models import Attachment, IdempotencyKey, Report
from backend.reports.services import report_transition
from backend.reports.tracking import tracking_token_for
from tests.conftest import DAM, screenshot
from tests.notifications.conftest import publish
from tests.reports.factories import make_report
from tests.support.images import jpeg_bytes

from .conftest import axe_violations, csp_violations, network

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TEXT = "De lantaarnpaal voor ons huis doet het niet meer, het is 's avonds donker"


# Generous: the machine runs other test suites beside this one.
def _wait(browser, condition, timeout=40):
    return WebDriverWait(browser, timeout).until(condition)


def _visible(browser, element_id):
    return browser.find_element(By.ID, element_id).is_displayed()


def _clean(browser, page):
    assert axe_violations(browser) == [], page
    assert csp_violations(browser) == [], page


@pytest.fixture
def site(live_asgi, settings):
    settings.PUBLIC_BASE_URL = f"http://{live_asgi}"
    return f"http://{live_asgi}"


def test_report_with_a_photo_and_a_suggested_category_then_a_staff_transition_arrives_live(
    phone, site, trained, tmp_path, settings
):
    settings.CLASSIFIER_CONFIDENCE_THRESHOLD = 0.99  # the resident's pick decides, not ours
    photo = tmp_path / "lamp.jpg"
    photo.write_bytes(jpeg_bytes(2400, 1800, gps=DAM))
    phone.get(site + "/")
    assert phone.find_element(By.TAG_NAME, "html").get_attribute("lang") == "nl"
    assert _visible(phone, "step-1") and not _visible(phone, "step-2")

    # Step 1: the text, a suggestion picked, a photo (its GPS gives the place).
    phone.find_element(By.ID, "text").send_keys(TEXT)
    _wait(phone, lambda d: d.find_elements(By.CSS_SELECTOR, "#suggestions input[name=suggested]"))
    suggested = phone.find_element(By.CSS_SELECTOR, "#suggestions input[name=suggested]")
    picked = suggested.get_attribute("value")
    assert picked == "wegen-verkeer-straatmeubilair/straatverlichting"
    suggested.click()
    assert (
        Select(phone.find_element(By.ID, "category")).first_selected_option.get_attribute("value")
        == picked
    )
    phone.find_element(By.ID, "photos").send_keys(str(photo))
    _wait(phone, lambda d: d.find_elements(By.CSS_SELECTOR, "#photo-previews canvas"))
    # The photo's GPS position became the place, before the resident opened step 2.
    _wait(phone, lambda d: d.find_element(By.ID, "lat").get_attribute("value") != "")
    assert abs(float(phone.find_element(By.ID, "lat").get_attribute("value")) - DAM[0]) < 1e-4
    screenshot(phone, "resident-step-1-what")
    _clean(phone, "step 1")

    # Step 2: the map with the pin, said to be inside the municipality.
    phone.find_element(By.CSS_SELECTOR, "#step-1 button.next").click()
    _wait(phone, lambda d: _visible(d, "step-2"))
    _wait(phone, lambda d: d.find_elements(By.CSS_SELECTOR, "#place-check .ok"))
    assert phone.find_elements(By.CSS_SELECTOR, "#map .leaflet-marker-icon")
    assert phone.find_elements(By.CSS_SELECTOR, "#map .leaflet-overlay-pane path")  # the areas
    screenshot(phone, "resident-step-2-where")
    _clean(phone, "step 2")

    # Step 3: contact, then send.
    phone.find_element(By.CSS_SELECTOR, "#step-2 button.next").click()
    _wait(phone, lambda d: _visible(d, "step-3"))
    phone.find_element(By.ID, "email").send_keys("bewoner@example.nl")
    phone.find_element(By.ID, "allow_contact").click()
    screenshot(phone, "resident-step-3-contact")
    _clean(phone, "step 3")
    phone.find_element(By.ID, "submit").click()
    _wait(phone, lambda d: "/r/" in d.current_url)

    report = Report.objects.get()
    assert report.text == TEXT
    assert report.category.path == picked
    assert report.source == "web" and report.reporter_email == "bewoner@example.nl"
    assert report.location_source == "resident"  # the page sent the photo's place as lat/lon
    photo_row = Attachment.objects.get(report=report)
    # Resized on the phone: the longest side at most 1600 px, not the camera's 2400.
    assert photo_row.original_size < len(photo.read_bytes())
    assert phone.find_element(By.ID, "status").get_attribute("data-status") == "received"
    assert TEXT in phone.find_element(By.CLASS_NAME, "report-text").text
    _wait(phone, lambda d: d.find_element(By.ID, "live").get_attribute("data-connected") == "true")

    # A dispatcher moves it on: the page shows it without a reload.
    marker = phone.execute_script("return window.performance.timeOrigin")
    report_transition(report_id=report.id, actor=ActorRef.staff(None), to="in_progress")
    publish()
    # Read in one script: HTMX swaps the part in, an element found a moment before goes stale.
    _wait(
        phone,
        lambda d: (
            d.execute_script(
                "const s = document.getElementById('status'); return s && s.dataset.status;"
            )
            == "in_progress"
        ),
    )
    assert phone.execute_script("return window.performance.timeOrigin") == marker  # no reload
    assert phone.find_element(By.ID, "status").text == "Er wordt aan uw melding gewerkt."
    screenshot(phone, "resident-report-page")
    _clean(phone, "report page")


def _fill_steps(phone, site, *, text=TEXT):
    """Steps 1 and 2 filled in: the text, and the place from "use my location" (the Dam)."""
    phone.get(site + "/")
    phone.find_element(By.ID, "text").send_keys(text)
    phone.find_element(By.CSS_SELECTOR, "#step-1 button.next").click()
    _wait(phone, lambda d: _visible(d, "step-2"))
    phone.find_element(By.ID, "locate").click()
    _wait(phone, lambda d: d.find_element(By.ID, "lat").get_attribute("value") != "")
    phone.find_element(By.CSS_SELECTOR, "#step-2 button.next").click()
    _wait(phone, lambda d: _visible(d, "step-3"))


def test_a_report_made_offline_is_sent_once_when_the_network_returns(phone, site):
    _fill_steps(phone, site)
    # The service worker is in charge before the network goes.
    _wait(phone, lambda d: d.execute_script("return !!navigator.serviceWorker.controller"))
    network(phone, online=False)
    try:
        phone.find_element(By.ID, "submit").click()
        _wait(phone, lambda d: "verbinding" in d.find_element(By.ID, "outbox-status").text)
        assert phone.execute_script("return navigator.onLine") is False
        pending = phone.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "MeldpuntOutbox.all().then(e => done(e.map(x => [x.key, x.state])));"
        )
        assert len(pending) == 1 and pending[0][1] == "pending"
        assert Report.objects.count() == 0
        screenshot(phone, "resident-offline-pending")
    finally:
        network(phone, online=True)
    _wait(phone, lambda d: "/r/" in d.current_url, timeout=30)
    assert Report.objects.count() == 1
    assert IdempotencyKey.objects.get().key == pending[0][0]  # the key made on the phone
    # The outbox is empty; nothing is sent again on the next visit.
    phone.get(site + "/")
    left = phone.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "MeldpuntOutbox.all().then(e => done(e.length));"
    )
    assert left == 0
    assert Report.objects.count() == 1


def test_without_javascript_the_form_is_a_plain_form_post(phone_without_javascript, site):
    browser = phone_without_javascript
    browser.get(site + "/")
    # Every step shows at once, the coordinates and the address are plain fields.
    for step in ("step-1", "step-2", "step-3"):
        assert _visible(browser, step)
    assert not browser.find_elements(By.CSS_SELECTOR, "#map .leaflet-container")
    browser.find_element(By.ID, "text").send_keys(TEXT)
    browser.find_element(By.CSS_SELECTOR, "details.coords summary").click()
    browser.find_element(By.ID, "lat").send_keys("52.3874")  # Haarlem: outside
    browser.find_element(By.ID, "lon").send_keys("4.6462")
    browser.find_element(By.ID, "email").send_keys("bewoner@example.nl")
    browser.find_element(By.ID, "submit").click()
    _wait(browser, lambda d: d.find_elements(By.ID, "lat-error"))
    assert "buiten" in browser.find_element(By.ID, "lat-error").text
    assert browser.find_element(By.ID, "text").get_attribute("value") == TEXT
    assert browser.find_element(By.ID, "email").get_attribute("value") == "bewoner@example.nl"
    assert Report.objects.count() == 0
    screenshot(browser, "resident-no-javascript-error")
    lat, lon = browser.find_element(By.ID, "lat"), browser.find_element(By.ID, "lon")
    lat.clear()
    lat.send_keys(str(DAM[0]))
    lon.clear()
    lon.send_keys(str(DAM[1]))
    browser.find_element(By.ID, "submit").click()
    _wait(browser, lambda d: "/r/" in d.current_url)
    report = Report.objects.get()
    assert report.text == TEXT and report.source == "web"
    assert browser.find_element(By.ID, "status").get_attribute("data-status") == "received"


def test_the_address_alternative_with_the_keyboard_alone(phone, site):
    """A screen-reader user's way: no map, the address typed, picked with the arrow keys."""
    phone.get(site + "/")
    _tab_to(phone, "#text")
    _press(phone, "De prullenbak op de Dam puilt uit")
    _tab_to(phone, "#step-1 button.next")
    _press(phone, Keys.ENTER)
    _wait(phone, lambda d: _visible(d, "step-2"))
    _tab_to(phone, "#address")
    _press(phone, "Dam 1")
    _wait(
        phone, lambda d: d.find_element(By.ID, "address").get_attribute("aria-expanded") == "true"
    )
    options = phone.find_elements(By.CSS_SELECTOR, "#address-options [role=option]")
    assert options[0].text.startswith("Dam 1, 1012")
    _press(phone, Keys.ARROW_DOWN)
    assert phone.find_element(By.ID, "address").get_attribute("aria-activedescendant") == (
        "address-option-0"
    )
    _press(phone, Keys.ENTER)
    assert phone.find_element(By.ID, "address").get_attribute("value").startswith("Dam 1, 1012")
    assert phone.find_element(By.ID, "lat").get_attribute("value") == "52.372700"
    _wait(phone, lambda d: d.find_elements(By.CSS_SELECTOR, "#place-check .ok"))
    _clean(phone, "address alternative")
    _tab_to(phone, "#step-2 button.next")
    _press(phone, Keys.ENTER)
    _wait(phone, lambda d: _visible(d, "step-3"))
    _tab_to(phone, "#submit")
    _press(phone, Keys.ENTER)
    _wait(phone, lambda d: "/r/" in d.current_url)
    report = Report.objects.get()
    assert (round(report.location.y, 6), round(report.location.x, 6)) == (52.3727, 4.892256)


def test_the_address_field_goes_where_no_address_search_is_installed(phone, site, settings):
    """An installation without the address extract's search (it answers 404): the field is
    hidden instead of offering a search that finds nothing; the place comes from the map."""
    settings.ROOT_URLCONF = "tests.frontend_api.resident.urls_without_addresses"
    phone.get(site + "/")
    assert not _visible(phone, "address-field")  # the form says so itself
    _fill_steps(phone, site)
    phone.find_element(By.ID, "submit").click()
    _wait(phone, lambda d: "/r/" in d.current_url)
    assert Report.objects.count() == 1


def test_the_keyboard_alone_reports_a_problem(phone, site):
    """Without touching the map: tab through the form, the place from "use my location"."""
    phone.get(site + "/")
    _press(phone, Keys.TAB)  # the skip link first
    assert phone.switch_to.active_element.get_attribute("class") == "skip"
    _press(phone, Keys.ENTER)
    _tab_to(phone, "#text")
    _press(phone, TEXT)
    _tab_to(phone, "#step-1 button.next")
    _press(phone, Keys.ENTER)
    _wait(phone, lambda d: _visible(d, "step-2"))
    _tab_to(phone, "#locate")
    _press(phone, Keys.ENTER)
    _wait(phone, lambda d: d.find_element(By.ID, "lat").get_attribute("value") != "")
    _tab_to(phone, "#step-2 button.next")
    _press(phone, Keys.ENTER)
    _wait(phone, lambda d: _visible(d, "step-3"))
    _tab_to(phone, "#submit")
    _press(phone, Keys.ENTER)
    _wait(phone, lambda d: "/r/" in d.current_url)
    assert Report.objects.get().text == TEXT


def _tab_to(browser, selector: str, limit: int = 40) -> None:
    target = browser.find_element(By.CSS_SELECTOR, selector)
    for _ in range(limit):
        if browser.switch_to.active_element == target:
            return
        _press(browser, Keys.TAB)
    raise AssertionError(f"{selector} not reached with the Tab key")


def _press(browser, keys: str) -> None:
    """Keys to whatever has the focus, as a keyboard sends them."""
    ActionChains(browser).send_keys(keys).perform()


def test_answering_a_question_and_giving_feedback_through_the_report_page(phone, site):
    report = make_report(email="r@example.nl", allow_contact=True)
    token = tracking_token_for(report.id)
    staff = ActorRef.staff(None)
    report_transition(
        report_id=report.id, actor=staff, to="info_requested", public_text="Welke container?"
    )
    phone.get(f"{site}/r/{token}/")
    assert "Welke container?" in phone.find_element(By.ID, "timeline").text
    _clean(phone, "report page with a question")
    phone.find_element(By.ID, "reply-text").send_keys("De groene bij nummer 12")
    phone.find_element(By.ID, "reply-send").click()
    _wait(phone, lambda d: d.find_elements(By.CSS_SELECTOR, "p#reply"))
    report.refresh_from_db()
    assert report.status != "info_requested"
    assert not phone.find_elements(By.ID, "reply-form")

    report_transition(report_id=report.id, actor=staff, to="closed", resolution="fixed")
    phone.get(f"{site}/r/{token}/")
    screenshot(phone, "resident-report-feedback")
    _clean(phone, "report page with the feedback form")
    phone.find_element(By.CSS_SELECTOR, "label[for=satisfied-yes]").click()
    phone.find_element(By.ID, "feedback-text").send_keys("Snel opgelost, dank!")
    phone.find_element(By.ID, "feedback-send").click()
    _wait(phone, lambda d: d.find_elements(By.CSS_SELECTOR, "p#feedback"))
    feedback = Feedback.objects.get(report=report)
    assert feedback.satisfied is True and feedback.text == "Snel opgelost, dank!"
    assert not phone.find_elements(By.ID, "feedback-form")
    # A link that opens nothing says so, in a page of its own.
    phone.get(f"{site}/r/{token[:-4]}xxxx/")
    assert phone.find_element(By.TAG_NAME, "h1").text == "Melding niet gevonden"
    _clean(phone, "report not found")


def test_the_public_map_shows_open_reports_without_text_or_contact(phone, site):
    for at in (DAM, (52.374, 4.893), (52.36, 4.90)):
        make_report(at=at, text="Geheime tekst", email="geheim@example.nl", phone="0612345678")
    make_report(category="wegen-verkeer-straatmeubilair/straatverlichting", at=(52.37, 4.88))
    phone.get(site + "/kaart/")
    _wait(phone, lambda d: d.find_element(By.ID, "public-map").get_attribute("data-loaded") == "4")
    assert phone.find_elements(
        By.CSS_SELECTOR, "#public-map .marker-cluster, #public-map .leaflet-marker-icon"
    )
    # What the page fetched: category and date, never the text or contact details.
    fetched = phone.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name)"
    )
    data_urls = [url for url in fetched if "/kaart/meldingen.json" in url]
    assert data_urls
    raw = phone.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "fetch(arguments[0]).then(r => r.text()).then(done);",
        data_urls[0],
    )
    for secret in ("Geheime tekst", "geheim@example.nl", "0612345678"):
        assert secret not in raw and secret not in phone.page_source
    screenshot(phone, "resident-map")
    _clean(phone, "map")
    Select(phone.find_element(By.ID, "map-category")).select_by_value("afval")
    _wait(phone, lambda d: d.find_element(By.ID, "public-map").get_attribute("data-loaded") == "3")
