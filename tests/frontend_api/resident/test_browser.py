"""The resident's web app in a real headless Chromium as a phone (390x844, touch), against
backend.config.asgi under uvicorn (HTTP and the report's WebSocket) and the real PostGIS and
Redis. axe-core checks every page; screenshots go to var/screenshots/."""

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select, WebDriverWait

from backend.reports.actors import ActorRef
from backend.reports.models import Attachment, Report
from backend.reports.services import report_transition
from tests.conftest import DAM, screenshot
from tests.notifications.conftest import publish
from tests.support.images import jpeg_bytes

from .conftest import axe_violations, csp_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TEXT = "De lantaarnpaal voor ons huis doet het niet meer, het is 's avonds donker"


def _wait(browser, condition, timeout=20):
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
    assert Select(phone.find_element(By.ID, "category")).first_selected_option.get_attribute(
        "value"
    ) == picked
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
    assert phone.find_elements(By.CSS_SELECTOR, "#map path.leaflet-interactive")  # the outline
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
    _wait(phone, lambda d: d.find_element(By.ID, "status").get_attribute("data-status") == "in_progress")
    assert phone.execute_script("return window.performance.timeOrigin") == marker  # no reload
    assert phone.find_element(By.ID, "status").text == "Er wordt aan uw melding gewerkt."
    screenshot(phone, "resident-report-page")
    _clean(phone, "report page")
