"""A Content-Security-Policy on every HTML page, which still renders under it in a real
Chromium with nothing refused; HSTS on requests that came over TLS (issue #14, finding 10)."""

import re

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from backend.contractors.links import assignment_link_send
from tests.conftest import screenshot
from tests.contractors.conftest import offered

HTML_PAGES = ["/api/docs/", "/admin/login/", "/api/v1/public/confirm/unknown-token/"]


def _directives(header: str) -> dict[str, list[str]]:
    parts = (part.strip().split() for part in header.split(";") if part.strip())
    return {name: values for name, *values in parts}


@pytest.mark.django_db
@pytest.mark.parametrize("path", HTML_PAGES)
def test_html_pages_allow_only_our_own_scripts_and_nonced_inline_ones(client, path):
    response = client.get(path)
    assert response["Content-Type"].startswith("text/html")
    policy = _directives(response["Content-Security-Policy"])
    for directive in ("script-src", "style-src"):
        assert "'unsafe-inline'" not in policy[directive]
        assert "'self'" in policy[directive]
    assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"]
    html = response.content.decode()
    nonces = {v[len("'nonce-") : -1] for v in policy["script-src"] if v.startswith("'nonce-")}
    # Every inline block carries this response's nonce; a script with a src is a file.
    for tag, attributes in re.findall(r"<(script|style)\b([^>]*)>", html):
        if tag == "script" and "src=" in attributes:
            continue
        nonce = re.search(r'nonce="([^"]+)"', attributes)
        assert nonce and nonce.group(1) in nonces, f"{path}: inline <{tag}> without the nonce"


@pytest.mark.django_db
def test_the_api_docs_init_script_is_a_file_of_our_own(client):
    html = client.get("/api/docs/").content.decode()
    assert "<script>" not in html
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in script.content.decode()


@pytest.mark.django_db
def test_hsts_is_sent_over_tls_and_not_over_plain_http(client, settings):
    settings.SECURE_HSTS_SECONDS = 3600
    secure = client.get("/health/", secure=True)
    assert secure["Strict-Transport-Security"] == "max-age=3600"
    plain = client.get("/health/")
    assert "Strict-Transport-Security" not in plain


@pytest.mark.django_db
def test_behind_a_proxy_its_scheme_header_decides(client, settings):
    settings.SECURE_HSTS_SECONDS = 3600
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    forwarded = client.get("/health/", HTTP_X_FORWARDED_PROTO="https")
    assert forwarded["Strict-Transport-Security"] == "max-age=3600"
    assert "Strict-Transport-Security" not in client.get("/health/", HTTP_X_FORWARDED_PROTO="http")


def _csp_complaints(browser) -> list[str]:
    return [
        entry["message"]
        for entry in browser.get_log("browser")
        if "Content Security Policy" in entry["message"] or "Refused to" in entry["message"]
    ]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_pages_render_in_chromium_with_nothing_refused(
    browser, live_server, settings, link_firm, dispatcher
):
    from django.core import mail

    settings.PUBLIC_BASE_URL = live_server.url
    wait = WebDriverWait(browser, 20)

    # Swagger UI: the init script ran, fetched the schema and drew its operations.
    browser.get(f"{live_server.url}/api/docs/")
    wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, ".opblock")))
    assert "Meldpunt API" in browser.find_element(By.CSS_SELECTOR, ".info .title").text
    screenshot(browser, "api-docs")
    assert _csp_complaints(browser) == []

    browser.get(f"{live_server.url}/admin/login/")
    wait.until(ec.presence_of_element_located((By.ID, "id_username")))
    screenshot(browser, "admin-login")
    assert _csp_complaints(browser) == []

    browser.get(f"{live_server.url}/api/v1/public/confirm/unknown-token/")
    assert browser.find_element(By.TAG_NAME, "h1").text
    screenshot(browser, "mail-confirm-unknown")
    assert _csp_complaints(browser) == []

    # The contractor's page: its style applied and its script run (the reject form asks
    # to confirm, which only the page's script does).
    assignment = offered(link_firm, dispatcher)
    assert assignment_link_send(assignment_id=assignment.id) is not None
    url = re.search(r"https?://\S+/contractor/link/\S+/", mail.outbox[-1].body).group(0)
    browser.get(url)
    body = browser.find_element(By.TAG_NAME, "body")
    assert body.value_of_css_property("margin") == "0px"
    screenshot(browser, "contractor-link")
    browser.find_element(By.ID, "reason").send_keys("Geen tijd")
    browser.find_element(By.ID, "reject").click()
    wait.until(ec.alert_is_present()).dismiss()
    assert _csp_complaints(browser) == []
