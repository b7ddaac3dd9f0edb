from django.urls import path

from . import map, partials, pwa, views

urlpatterns = [
    path("", views.report_form, name="resident-form"),
    path("r/<str:tracking_token>/", views.report_page, name="resident-report"),
    path("r/<str:tracking_token>/antwoord/", views.report_reply_post, name="resident-reply"),
    path("r/<str:tracking_token>/feedback/", views.report_feedback_post, name="resident-feedback"),
    path(
        "r/<str:tracking_token>/afmelden/",
        views.report_unsubscribe_post,
        name="resident-unsubscribe",
    ),
    path("suggesties/", partials.suggestions, name="resident-suggestions"),
    path("plek/", partials.place, name="resident-place"),
    path("volg/<str:follow_token>/", partials.follow, name="resident-follow"),
    path("kaart/", map.map_page, name="resident-map"),
    path("kaart/meldingen.json", map.map_reports, name="resident-map-reports"),
    path("kaart/gebied.json", map.map_outline, name="resident-map-outline"),
    path("sw.js", pwa.service_worker, name="resident-service-worker"),
    path("manifest.webmanifest", pwa.manifest, name="resident-manifest"),
]
