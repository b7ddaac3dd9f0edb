"""The resident's pages in a real headless Chromium as a phone: 390x844, touch, and axe-core
(from node_modules, injected into each page) to find accessibility violations."""

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

from backend.classification.services import classifier_train
from tests.conftest import CHROMEDRIVER, CHROMIUM, DAM

AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture
def phone(browser) -> Iterator[Any]:
    """The browser fixture, as a phone: its screen, touch events, and a position at the Dam."""
    browser.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": 390, "height": 844, "deviceScaleFactor": 2, "mobile": True},
    )
    browser.execute_cdp_cmd(
        "Emulation.setTouchEmulationEnabled", {"enabled": True, "maxTouchPoints": 5}
    )
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
        ".then(r => done(JSON.stringify(r.violations)),"
        " e => done(JSON.stringify([{id: 'axe-error', impact: 'critical', nodes: [],"
        " description: String(e)}])));"
    )
    return [
        {
            "id": v["id"],
            "impact": v["impact"],
            "nodes": [n.get("target") for n in v.get("nodes", [])],
        }
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


def network(browser: Any, *, online: bool) -> None:
    """Cut or restore the network of the page and of its service worker: Chromium emulates
    network conditions per DevTools target, and the worker (which sends the outbox on a
    background sync) is a target of its own, reached through the page's session."""
    conditions = {
        "offline": not online,
        "latency": 0,
        "downloadThroughput": -1 if online else 0,
        "uploadThroughput": -1 if online else 0,
    }
    browser.set_network_conditions(
        offline=not online,
        latency=0,
        download_throughput=conditions["downloadThroughput"],
        upload_throughput=conditions["uploadThroughput"],
    )
    workers = [
        target
        for target in browser.execute_cdp_cmd("Target.getTargets", {})["targetInfos"]
        if target["type"] == "service_worker"
    ]
    assert workers, "no service worker to take offline"
    for worker in workers:
        session = browser.execute_cdp_cmd(
            "Target.attachToTarget", {"targetId": worker["targetId"], "flatten": False}
        )["sessionId"]
        for number, (method, params) in enumerate(
            [("Network.enable", {}), ("Network.emulateNetworkConditions", conditions)], start=1
        ):
            browser.execute_cdp_cmd(
                "Target.sendMessageToTarget",
                {
                    "sessionId": session,
                    "message": json.dumps({"id": number, "method": method, "params": params}),
                },
            )


@pytest.fixture
def phone_without_javascript() -> Iterator[Any]:
    """Chromium as a phone with JavaScript switched off: the pages as plain HTML forms."""
    os.environ["SE_OFFLINE"] = "true"
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--window-size=390,844",
        "--lang=nl",
    ):
        options.add_argument(argument)
    options.add_experimental_option(
        "prefs",
        {
            "profile.managed_default_content_settings.javascript": 2,
            "intl.accept_languages": "nl-NL,nl",
        },
    )
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()
