"""The production URLs plus bench-only endpoints. Mounted only through ``bench.settings``."""

from django.urls import URLPattern, URLResolver, path

from backend.config.urls import handler404, handler500  # noqa: F401  (Django reads them here)
from backend.config.urls import urlpatterns as production

from .bare import BarePhotoReportCreateView, BareReportCreateView

urlpatterns: list[URLPattern | URLResolver] = [
    *production,
    path("bench/bare-reports/", BareReportCreateView.as_view(), name="bench-bare-report-create"),
    path(
        "bench/bare-photo-reports/",
        BarePhotoReportCreateView.as_view(),
        name="bench-bare-photo-report-create",
    ),
]
