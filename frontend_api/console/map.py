"""The map view of the queue's filter (`/console/kaart/`): the points come from the staff map
selector (grid clusters below street zoom, reports above it), for the reports this user sees."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from backend.geo.selectors import area_outlines
from backend.reports.selectors_map import STREET_ZOOM, reports_map_for
from frontend_api.staff.filters import report_filters
from frontend_api.staff.overview import MapQuerySerializer

from .access import console_page, console_user, scope_for
from .filtering import FILTER_NAMES, form_params, validated
from .queue import filter_choices


@console_page
def map_page(request: HttpRequest) -> HttpResponse:
    params = form_params(request.GET, FILTER_NAMES)
    context = {
        "nav": "map",
        "params": params,
        "selected": {name: request.GET.getlist(name) for name in FILTER_NAMES},
        "errors": {},
        "map_tile_url": settings.MAP_TILE_URL,
        "map_tile_attribution": settings.MAP_TILE_ATTRIBUTION,
        "street_zoom": STREET_ZOOM,
        **filter_choices(),
    }
    return render(request, "console/map.html", context)


@console_page
def map_points(request: HttpRequest) -> JsonResponse:
    params = form_params(request.GET, (*FILTER_NAMES, "zoom"))
    data, errors = validated(MapQuerySerializer, params)
    if data is None:
        return JsonResponse({"errors": errors}, status=400)
    scope = scope_for(console_user(request))
    points, truncated = reports_map_for(report_filters(data), scope=scope, zoom=data["zoom"])
    return JsonResponse(
        {
            "clustered": data["zoom"] < STREET_ZOOM,
            "truncated": truncated,
            "points": [
                {
                    "lat": point.lat,
                    "lon": point.lon,
                    "count": point.count,
                    "id": str(point.id) if point.id else None,
                    "status": point.status,
                    "category": point.category,
                }
                for point in points
            ],
        }
    )


@console_page
def map_outline(request: HttpRequest) -> JsonResponse:
    return JsonResponse(area_outlines(types=settings.MAP_AREA_TYPES or None))
