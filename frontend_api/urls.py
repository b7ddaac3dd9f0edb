from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from .common.permissions import Anyone
from .health import HealthView

urlpatterns = [
    path("api/v1/public/", include("frontend_api.public.urls")),
    path("api/v1/staff/", include("frontend_api.staff.urls")),
    path("api/v1/contractor/", include("frontend_api.contractor.urls")),
    path("open311/v2/", include("frontend_api.open311.urls")),
    path("signals/v1/", include("frontend_api.signalen.urls")),
    path("contractor/link/", include("frontend_api.contractor.link_urls")),
    path("api/schema/", SpectacularAPIView.as_view(permission_classes=[Anyone]), name="schema"),
    path(
        "api/docs/",
        # The split view serves its init script as a file (?script): no inline script, for
        # the Content-Security-Policy.
        SpectacularSwaggerSplitView.as_view(
            url_name="schema", permission_classes=[Anyone], template_name="docs/swagger_ui.html"
        ),
        name="docs",
    ),
    path("health/", HealthView.as_view(), name="health"),
    path("console/", include("frontend_api.console.urls")),
    # The language switch of the pages (a form post, so it works without JavaScript too).
    path("i18n/", include("django.conf.urls.i18n")),
    # Last: the resident's web app has the root.
    path("", include("frontend_api.resident.urls")),
]
