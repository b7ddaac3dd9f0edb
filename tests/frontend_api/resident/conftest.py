"""The resident's pages in a real headless Chromium as a phone: 390x844, touch, and axe-core
(from node_modules, injected into each page) to find accessibility violations."""

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from backend.classification.services import classifier_train
from tests.conftest import DAM

AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture
def phone(browser) -> Iterator[Any]:
    """The browser fixture, as a phone: its screen, touch events, and a position at the Dam."""
    browser.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": 390, "height": 844, "deviceScaleFactor": 2, "mobile": True},
    )
    browser.execute_cdp_cmd("Emulation.setTouchEmulationEnabled", {"enabled": True, "maxTouchPoints": 5})
    browser.execute_cdp_cmd(
        "Emulation.setGeolocationOverride",
        {"latitude": DAM[0], "longitude": DAM[1], "accuracy": 10},
    )
    # A Dutch phone (the headless browser asks for English otherwise).
    browser.execute_cdp_cmd(
        "Emulation.setUserAgentOverride",
        {
            "userAgent": browser.execute_script("return navigator.userAgent"),
            "acceptLanguage": "nl-NL,nl",
            "platform": "Android",
        },
    )
    browser.set_script_timeout(30)
    yield browser


def axe_violations(browser: Any) -> list[dict]:
    """Serious and critical WCAG 2.1 A/AA violations of the page as it is now."""
    assert AXE.is_file(), "needs node_modules/axe-core (npm ci, run by scripts/bootstrap.sh)"
    # Through the DevTools protocol, as a test tool: the page's CSP rightly forbids it.
    browser.execute_script(AXE.read_text(encoding="utf-8"))
    result = browser.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {runOnly: {type: 'tag', values:"
        " ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})"
        ".then(r => done(JSON.stringify(r.violations)), e => done(JSON.stringify([{id: 'axe-error', impact: 'critical', description: String(e)}])));"
    )
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n.get("target") for n in v.get("nodes", [])]}
        for v in json.loads(result)
        if v.get("impact") in ("serious", "critical")
    ]


def csp_violations(browser: Any) -> list[str]:
    return [
        entry["message"]
        for entry in browser.get_log("browser")
        if "Content Security Policy" in entry["message"] or "Refused to" in entry["message"]
    ]


@pytest.fixture
def trained(three_categories, fresh_model_cache):
    return classifier_train(examples=three_categories).model
