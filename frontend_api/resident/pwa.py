"""What makes the resident's app installable: the web app manifest and the service worker,
served from the root so the worker's scope covers every page of the app."""

from functools import cache
from pathlib import Path

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.templatetags.static import static
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

_STATIC = Path(__file__).resolve().parent / "static" / "resident"


@cache
def _worker_source() -> str:
    return (_STATIC / "sw.js").read_text(encoding="utf-8")


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    # The files it keeps for offline use, by the URLs the pages use (static() may hash them).
    shell = [
        "/",
        static("resident/app.css"),
        static("resident/outbox.js"),
        static("resident/form.js"),
        static("resident/areas.js"),
        static("vendor/htmx/htmx.min.js"),
        static("vendor/leaflet/leaflet.js"),
        static("vendor/leaflet/leaflet.css"),
        "/kaart/gebied.json",
    ]
    source = _worker_source().replace('"__SHELL__"', ", ".join(f'"{url}"' for url in shell))
    source = source.replace("__OUTBOX__", static("resident/outbox.js"))
    response = HttpResponse(source, content_type="text/javascript; charset=utf-8")
    # A browser checks for a new worker on every visit; it must never get a stale one.
    response["Cache-Control"] = "no-cache"
    return response


@require_GET
def manifest(request: HttpRequest) -> JsonResponse:
    return JsonResponse(
        {
            "name": _("Report a problem in public space"),
            "short_name": _("Meldpunt"),
            "lang": request.LANGUAGE_CODE,
            "start_url": "/",
            "scope": "/",
            "display": "standalone",
            "background_color": "#ffffff",
            "theme_color": "#004f9f",
            "icons": [
                {
                    "src": static(f"resident/icons/icon-{size}.png"),
                    "sizes": f"{size}x{size}",
                    "type": "image/png",
                    "purpose": "any maskable",
                }
                for size in (192, 512)
            ],
        },
        content_type="application/manifest+json",
    )
