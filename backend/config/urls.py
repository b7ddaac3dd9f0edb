from django.conf import settings
from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path, re_path
from django.views.static import serve

# The HTTP surface lives in frontend_api; the domain only names it here by module path.
urlpatterns: list[URLPattern | URLResolver] = [
    path("", include("frontend_api.urls")),
    path("admin/", admin.site.urls),
]

if settings.SERVE_MEDIA:
    urlpatterns += [
        re_path(
            rf"^{settings.MEDIA_URL.lstrip('/')}(?P<path>photos/.*)$",
            serve,
            {"document_root": settings.MEDIA_ROOT},
        )
    ]

handler400 = "frontend_api.common.errors.bad_request_view"
handler404 = "frontend_api.common.errors.not_found_view"
handler500 = "frontend_api.common.errors.server_error_view"
