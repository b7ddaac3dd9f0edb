"""The one-time-link page in a real headless Chromium (Debian's chromium + chromedriver)."""

import re

import pytest
from django.core import mail
from PIL import Image
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import Select, WebDriverWait

from backend.contractors.links import assignment_link_send
from backend.reports.models import Attachment
from backend.reports.services import attachment_process
from tests.contractors.conftest import offered, refreshed

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def test_contractor_accepts_and_completes_with_a_photo_from_the_phone(
    browser, live_server, settings, tmp_path, link_firm, dispatcher
):
    settings.PUBLIC_BASE_URL = live_server.url
    assignment = offered(link_firm, dispatcher)
    assert assignment_link_send(assignment_id=assignment.id) is not None
    url = re.search(r"https?://\S+/contractor/link/\S+/", mail.outbox[-1].body).group(0)
    assert url.startswith(live_server.url)
    photo = tmp_path / "after.jpg"
    Image.new("RGB", (640, 480), (40, 160, 60)).save(photo, "JPEG")
    # Each form posts and the page reloads: an element found a moment before may be gone.
    wait = WebDriverWait(
        browser, 15, ignored_exceptions=(NoSuchElementException, StaleElementReferenceException)
    )

    browser.get(url)
    report = refreshed(assignment.report)
    assert report.text in browser.find_element(By.ID, "report-text").text
    assert browser.find_element(By.ID, "assignment-state").get_attribute("data-state") == "offered"
    assert "bewoner@example.nl" not in browser.page_source
    browser.find_element(By.ID, "accept").click()
    wait.until(ec.presence_of_element_located((By.ID, "done")))
    assert browser.find_element(By.ID, "assignment-state").get_attribute("data-state") == (
        "accepted"
    )

    photos = browser.find_element(By.ID, "photos")
    assert photos.get_attribute("capture") == "environment"
    assert photos.get_attribute("accept") == "image/*"
    assert photos.get_attribute("multiple") is not None
    browser.find_element(By.ID, "complete-note").send_keys("Boom gesnoeid, takken afgevoerd")
    Select(browser.find_element(By.ID, "resolution")).select_by_value("fixed")
    photos.send_keys(str(photo))
    browser.find_element(By.ID, "complete").click()
    # Read in one script, within one document: an element handle found just before the
    # posted form replaced the page can fail as a stale element or, in Chromium, as an
    # "unhandled inspector error" (seen once in CI).
    wait.until(
        lambda driver: (
            driver.execute_script(
                "const state = document.getElementById('assignment-state');"
                "return state ? state.dataset.state : null;"
            )
            == "completed"
        )
    )
    assert "afgerond" in browser.find_element(By.ID, "done").text

    assignment.refresh_from_db()
    assert assignment.state == "completed"
    assert assignment.completion_note == "Boom gesnoeid, takken afgevoerd"
    assert assignment.resolution == "fixed"
    after = Attachment.objects.get(report=assignment.report, kind=Attachment.Kind.CONTRACTOR)
    assert after.original_mime_type == "image/jpeg"
    assert attachment_process(attachment_id=after.id).state == "ready"
    assert refreshed(assignment.report).status == "completed_by_contractor"
    # The page now shows the processed "after" photo, served by Meldpunt itself.
    browser.get(url)
    shown = browser.find_elements(By.CSS_SELECTOR, "img[alt='Foto na afloop']")
    assert len(shown) == 1
    browser.execute_script("arguments[0].scrollIntoView()", shown[0])  # it loads lazily
    wait.until(lambda driver: driver.execute_script("return arguments[0].complete", shown[0]))
    assert browser.execute_script("return arguments[0].naturalWidth", shown[0]) == 640
