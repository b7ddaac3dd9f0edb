"""The project's URLs without the address search: an installation where it is missing."""

from django.urls import URLResolver

from backend.config import urls as project
from frontend_api import urls as api
from frontend_api.public import urls as public


def _without_addresses(patterns):
    kept = []
    for pattern in patterns:
        if getattr(pattern, "name", None) == "public-addresses":
            continue
        if isinstance(pattern, URLResolver) and pattern.urlconf_module is public:
            pattern = URLResolver(pattern.pattern, _Module(_without_addresses(public.urlpatterns)))
        elif isinstance(pattern, URLResolver) and pattern.urlconf_module is api:
            pattern = URLResolver(pattern.pattern, _Module(_without_addresses(api.urlpatterns)))
        kept.append(pattern)
    return kept


class _Module:
    def __init__(self, urlpatterns):
        self.urlpatterns = urlpatterns


urlpatterns = _without_addresses(project.urlpatterns)
handler404 = project.handler404
handler500 = project.handler500
