"""The resident's report form on a phone's bad connection: what its first load costs and how
soon it is usable, in headless Chromium under the DevTools "Slow 4G" profile.

Starts the app (backend.config.asgi under uvicorn, production settings, DEBUG off) on a
loopback port with its static files collected (and compressed, as `make run` serves them),
then loads `/` in a fresh browser profile (nothing cached, no service worker yet) several
times and prints, as medians:

  js+css compressed   bytes of the scripts and stylesheets over the wire (transferSize:
                      compressed bodies and headers), and their uncompressed size
  html                the page itself
  first paint         first contentful paint: the plain form (it works without JavaScript)
  usable              the enhanced form ready (form.js's "form-ready" mark: steps,
                      suggestions, photos, outbox), from the start of the navigation; the
                      map's Leaflet loads after it (its bytes are in the sum above)

against the issue's targets (js+css <= 150 KB compressed, usable <= 2 s).

    .venv/bin/python bench/resident_page.py [--runs 5] [--port 8179]

Uses DATABASE_URL and REDIS_URL of the environment (the database must be migrated, with the
demo's reference data: `manage.py setup_demo`). Only loopback addresses.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# DevTools' "Slow 4G" preset (the former "Fast 3G"): 562.5 ms round trip, 1.44 Mbit/s down,
# 675 kbit/s up (bytes per second below).
SLOW_4G = {
    "offline": False,
    "latency": 562.5,
    "downloadThroughput": 1.44 * 1024 * 1024 / 8,
    "uploadThroughput": 675 * 1024 / 8,
}
MEASURE = """
const nav = performance.getEntriesByType('navigation')[0];
const res = performance.getEntriesByType('resource');
const kind = e => /\\.css(\\?|$)/.test(e.name) ? 'css'
  : /\\.js(\\?|$)/.test(e.name) ? 'js' : 'other';
const sum = (list, f) => list.reduce((a, e) => a + e[f], 0);
const assets = res.filter(e => kind(e) !== 'other');
const paint = performance.getEntriesByName('first-contentful-paint')[0];
const ready = performance.getEntriesByName('form-ready')[0];
return {
  assets: assets.map(e => [e.name.replace(location.origin, ''), e.transferSize, e.decodedBodySize]),
  transfer: sum(assets, 'transferSize'),
  decoded: sum(assets, 'decodedBodySize'),
  html: nav.transferSize,
  fcp: paint ? paint.startTime : null,
  ready: ready ? ready.startTime : null,
};
"""


def _wait_up(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - loopback
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"the server did not answer on {url}")


def _browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    os.environ["SE_OFFLINE"] = "true"
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--window-size=390,844",
    ):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    driver.set_page_load_timeout(60)
    return driver


def _one_load(url: str) -> dict:
    driver = _browser()
    try:
        driver.execute_cdp_cmd(
            "Emulation.setDeviceMetricsOverride",
            {"width": 390, "height": 844, "deviceScaleFactor": 2, "mobile": True},
        )
        driver.execute_cdp_cmd("Network.enable", {})
        driver.execute_cdp_cmd("Network.setCacheDisabled", {"cacheDisabled": True})
        driver.execute_cdp_cmd("Network.emulateNetworkConditions", SLOW_4G)
        driver.get(url)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            # Ready, and the map's Leaflet (loaded after) in too: its bytes are counted.
            if driver.execute_script(
                "return performance.getEntriesByName('form-ready').length > 0 && !!window.L"
            ):
                break
            time.sleep(0.1)
        time.sleep(1)  # late resources (the areas' outline) counted too
        return driver.execute_script(MEASURE)
    finally:
        driver.quit()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--port", type=int, default=8179)
    args = parser.parse_args()
    static_root = tempfile.mkdtemp(prefix="meldpunt-bench-static-")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "backend.config.settings",
        "DEBUG": "0",
        "STATIC_ROOT": static_root,
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{args.port}",
    }
    python = str(ROOT / ".venv" / "bin" / "python")
    subprocess.run(
        [python, "manage.py", "collectstatic", "--no-input", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    server = subprocess.Popen(
        [
            python,
            "-m",
            "uvicorn",
            "backend.config.asgi:application",
            "--host",
            "127.0.0.1",
            "--port",
            str(args.port),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    url = f"http://127.0.0.1:{args.port}/"
    try:
        _wait_up(url)
        runs = [_one_load(url) for _ in range(args.runs)]
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=20)
        shutil.rmtree(static_root, ignore_errors=True)

    def median(key: str) -> float:
        return statistics.median(run[key] for run in runs if run[key] is not None)

    print(
        f"resident report form, {args.runs} cold loads under Slow 4G "
        f"(562.5 ms RTT, 1.44 Mbit/s down), 390x844"
    )
    print("  assets of the first run (path, bytes over the wire, bytes uncompressed):")
    for path, transfer, decoded in runs[0]["assets"]:
        print(f"    {path:55} {transfer:>8} {decoded:>8}")
    transfer, decoded = median("transfer"), median("decoded")
    ready, fcp = median("ready"), median("fcp")
    print(
        f"  js+css compressed  {transfer / 1024:7.1f} KB  (uncompressed {decoded / 1024:.1f} KB)"
        f"  target <= 150 KB: {'ok' if transfer <= 150 * 1024 else 'OVER'}"
    )
    print(f"  html               {median('html') / 1024:7.1f} KB")
    print(f"  first paint        {fcp / 1000:7.2f} s   (the plain form, usable without JS)")
    print(
        f"  usable (enhanced)  {ready / 1000:7.2f} s   target <= 2 s: "
        f"{'ok' if ready <= 2000 else 'OVER'}"
    )
    print("  per run usable (s): " + ", ".join(f"{r['ready'] / 1000:.2f}" for r in runs))


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
