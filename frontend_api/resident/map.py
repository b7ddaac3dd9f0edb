"""The public map of open reports (`/kaart/`): category and date only, never a report's text,
photos, contact details or token; and the municipality's outline, the map's background when
no tile server is configured."""

from dataclasses import asdict

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from backend.geo.selectors import area_outlines
from backend.reports.selectors import open_reports_on_map
from backend.taxonomy.selectors import category_tree


@require_GET
def map_page(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "resident/map.html",
        {
            "nav": "map",
            "categories": category_tree(),
            "map_tile_url": settings.MAP_TILE_URL,
            "map_tile_attribution": settings.MAP_TILE_ATTRIBUTION,
        },
    )


@require_GET
@cache_control(max_age=60, public=True)
def map_reports(request: HttpRequest) -> JsonResponse:
    category = request.GET.get("category", "")[:201] or None
    rows = open_reports_on_map(category=category)
    return JsonResponse({"reports": [asdict(row) for row in rows]})


@require_GET
@cache_control(max_age=3600, public=True)
def map_outline(request: HttpRequest) -> JsonResponse:
    # Every area, the municipality's and its districts and neighbourhoods: without tiles they
    # are what the resident finds their way by.
    return JsonResponse(area_outlines(types=settings.MAP_AREA_TYPES or None))
