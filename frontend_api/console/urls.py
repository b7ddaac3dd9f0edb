from django.urls import path
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from . import admin, auth, map, queue, report

urlpatterns = [
    path("", queue.queue_page, name="console-queue"),
    path("login/", auth.login_view, name="console-login"),
    path("logout/", auth.logout_view, name="console-logout"),
    path("sso/", OIDCAuthenticationRequestView.as_view(), name="console-oidc-init"),
    path("sso/callback/", OIDCAuthenticationCallbackView.as_view(), name="console-oidc-callback"),
    path("aantal/", queue.queue_count, name="console-count"),
    path("bulk/", queue.bulk_post, name="console-bulk"),
    path("kaart/", map.map_page, name="console-map"),
    path("kaart/punten.json", map.map_points, name="console-map-points"),
    path("kaart/gebied.json", map.map_outline, name="console-map-outline"),
    path("r/<uuid:report_id>/", report.report_page, name="console-report"),
    path("r/<uuid:report_id>/toewijzen/", report.report_assign_post, name="console-assign"),
    path("r/<uuid:report_id>/status/", report.report_transition_post, name="console-transition"),
    path("r/<uuid:report_id>/notitie/", report.report_note_post, name="console-note"),
    path("r/<uuid:report_id>/wijzigen/", report.report_update_post, name="console-update"),
    path("r/<uuid:report_id>/samenvoegen/", report.report_merge_post, name="console-merge"),
    path("beheer/", admin.admin_page, name="console-admin"),
    path("beheer/regels/", admin.ruleset_upload, name="console-ruleset-upload"),
    path("beheer/teksten/", admin.standard_text_create_post, name="console-text-create"),
    path(
        "beheer/teksten/<int:text_id>/",
        admin.standard_text_update_post,
        name="console-text-update",
    ),
    path(
        "beheer/teksten/<int:text_id>/verwijderen/",
        admin.standard_text_remove_post,
        name="console-text-remove",
    ),
    path(
        "beheer/classifier/<int:model_id>/activeren/",
        admin.classifier_activate_post,
        name="console-classifier-activate",
    ),
]
