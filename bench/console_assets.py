"""The console's JavaScript and CSS on a first load, compressed as whitenoise serves them
(gzip level 9, as CompressedStaticFilesStorage writes them; brotli too where installed).

Each page's files are read from its templates (the `{% static %}` of a script or stylesheet,
its base template's included), found through Django's static finders, and compressed here.
Issue #16's budget: JavaScript and CSS together at most 150 KB compressed.

    .venv/bin/python bench/console_assets.py
"""

from __future__ import annotations

import gzip
import os
import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
BUDGET_KB = 150.0
TEMPLATES = REPO / "frontend_api" / "console" / "templates" / "console"
PAGES = {
    "login": "login.html",
    "queue": "queue.html",
    "report": "report.html",
    "map": "map.html",
    "administration": "admin.html",
}
_ASSET = re.compile(r"""<(?:script|link)[^>]+(?:src|href)="\{% static '([^']+\.(?:js|css))' %\}""")


def assets(template: str) -> list[str]:
    text = (TEMPLATES / template).read_text(encoding="utf-8")
    found = _ASSET.findall(text)
    if '{% extends "console/base.html" %}' in text:
        found = assets("base.html") + found
    return list(dict.fromkeys(found))


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.config.settings")
    import django

    django.setup()
    from django.contrib.staticfiles import finders

    try:
        import brotli  # type: ignore[import-not-found]
    except ImportError:
        brotli = None
    over = False
    for page, template in PAGES.items():
        raw = gz = br = 0
        for name in assets(template):
            path = finders.find(name)
            if not path:
                raise SystemExit(f"{page}: {name} not found (npm ci?)")
            data = Path(path).read_bytes()
            raw += len(data)
            gz += len(gzip.compress(data, 9))
            br += len(brotli.compress(data)) if brotli else 0
        verdict = "ok" if gz / 1024 <= BUDGET_KB else "OVER"
        over |= verdict != "ok"
        extra = f", brotli {br / 1024:.1f} KB" if brotli else ""
        print(
            f"{page:15} {len(assets(template)):2d} files: {raw / 1024:6.1f} KB raw, "
            f"gzip {gz / 1024:5.1f} KB{extra} (budget {BUDGET_KB:.0f} KB: {verdict})"
        )
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
