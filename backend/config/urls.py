from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.static import serve

# The HTTP surface lives in frontend_api; the domain only names it here by module path.
urlpatterns = [
    path("", include("frontend_api.urls")),
    path("admin/", admin.site.urls),
]

if settings.SERVE_MEDIA:
    urlpatterns += [
        re_path(
            r"^%s(?P<path>photos/.*)$" % settings.MEDIA_URL.lstrip("/"),
            serve,
            {"document_root": settings.MEDIA_ROOT},
        )
    ]

handler404 = "frontend_api.common.errors.not_found_view"
handler500 = "frontend_api.common.errors.server_error_view"
