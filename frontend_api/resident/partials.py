"""The form's small live parts, fetched by HTMX while the resident fills it in: category
suggestions as they type, and what we know of the chosen place (inside the municipality or
not, similar open reports nearby to follow instead)."""

from django.contrib.gis.geos import Point
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST
from rest_framework import serializers

from backend.classification.predict import clean_text, has_words, predict
from backend.common.errors import DomainValidationError, LimitReached
from backend.common.ratelimit import rate_take
from backend.geo.selectors import in_service_area
from backend.notifications.models import Subscription
from backend.notifications.services import (
    follow_token_for,
    report_id_for_follow_token,
    subscription_add,
)
from backend.reports.selectors import intake_surroundings, report_get
from backend.taxonomy.selectors import category_by_path
from frontend_api.common.clients import client_network
from frontend_api.common.serializers import FiniteFloatField
from frontend_api.common.throttling import scope_rates, throttled_page, token_lookup_throttled
from frontend_api.public.representations import classification


def _throttled(request: HttpRequest, scope: str) -> HttpResponse | None:
    verdict = rate_take(scope=scope, subject=client_network(request), rates=scope_rates(scope))
    return None if verdict.allowed else throttled_page(verdict)


@require_GET
def suggestions(request: HttpRequest) -> HttpResponse:
    refused = _throttled(request, "classify")
    if refused:
        return refused
    text = clean_text(request.GET.get("text", "")[:2000])
    found = []
    if has_words(text) and len(text) >= 8:
        prediction = predict(text)
        if prediction is not None:
            found = classification(prediction).suggestions[:3]
    return render(request, "resident/_suggestions.html", {"suggestions": found})


class _PlaceSerializer(serializers.Serializer):
    lat = FiniteFloatField(min_value=-90, max_value=90)
    lon = FiniteFloatField(min_value=-180, max_value=180)
    category = serializers.CharField(required=False, allow_blank=True, max_length=201)


@require_GET
def place(request: HttpRequest) -> HttpResponse:
    """Inside the service area or not, said before submitting; and the open reports of the
    chosen category close by (no text: category, status, distance, age)."""
    refused = _throttled(request, "classify")
    if refused:
        return refused
    serializer = _PlaceSerializer(data=request.GET.dict())
    if not serializer.is_valid():
        return render(request, "resident/_place.html", {"unknown": True})
    data = serializer.validated_data
    category = category_by_path(data.get("category") or "")
    around = intake_surroundings(
        location=Point(data["lon"], data["lat"], srid=4326),
        category_id=category.id if category else None,
    )
    nearby = [
        {
            "category": category,
            "status": other.status,
            "distance_m": round(other.distance_m),
            "created_at": other.created_at,
            "follow_token": follow_token_for(other.id),
        }
        for other in around.nearby
    ]
    return render(
        request,
        "resident/_place.html",
        {"inside": in_service_area(around.areas), "nearby": nearby},
    )


@csrf_exempt  # the follow token in the path is the credential, as in the API
@require_POST
@token_lookup_throttled
def follow(request: HttpRequest, follow_token: str) -> HttpResponse:
    """Follow a similar report by e-mail instead of filing a new one."""
    refused = _throttled(request, "follow")
    if refused:
        return refused
    report_id = report_id_for_follow_token(follow_token)
    report = report_get(report_id) if report_id else None
    if report is None:
        return render(
            request, "resident/_followed.html", {"error": _("Report not found.")}, status=404
        )
    email = request.POST.get("email", "").strip()
    try:
        serializers.EmailField(max_length=254).run_validation(email)
        subscription_add(
            report_id=report.id,
            origin=Subscription.Origin.FOLLOWER,
            language=request.LANGUAGE_CODE,
            email=email,
        )
    except serializers.ValidationError:
        error = _("Enter a valid e-mail address.")
        return render(request, "resident/_followed.html", {"error": error}, status=400)
    except (DomainValidationError, LimitReached) as exc:
        error = exc.message if isinstance(exc, LimitReached) else next(iter(exc.errors.values()))[0]
        return render(request, "resident/_followed.html", {"error": error}, status=400)
    return render(request, "resident/_followed.html", {"email": email})
