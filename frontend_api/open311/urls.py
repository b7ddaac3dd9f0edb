from django.urls import re_path

from . import views
from .renderers import Open311JSONRenderer

# Each resource in both formats. The JSON routes are spelt out (`discovery.json`, with the
# format as a fixed argument): the OpenAPI generator leaves out paths whose suffix is a
# parameter, and the JSON endpoints are the ones our schema documents. XML is the spec's alone.
RESOURCES = [
    (r"discovery", views.DiscoveryView, "open311-discovery"),
    (r"services", views.ServiceListView, "open311-services"),
    (r"services/(?P<service_code>[\w.-]+?)", views.ServiceDefinitionView, "open311-service"),
    (r"requests", views.RequestsView, "open311-requests"),
    (r"requests/(?P<service_request_id>[\w-]+?)", views.RequestDetailView, "open311-request"),
    (r"tokens/(?P<token>[\w-]+?)", views.TokenView, "open311-token"),
    (r"servicerequestupdates", views.UpdatesView, "open311-updates"),
]

urlpatterns = [
    route
    for pattern, view, name in RESOURCES
    for route in (
        re_path(
            rf"^{pattern}\.json$",
            view.as_view(renderer_classes=[Open311JSONRenderer]),
            {"format": "json"},
            name=f"{name}-json",
        ),
        re_path(rf"^{pattern}\.(?P<format>json|xml)$", view.as_view(), name=name),
    )
] + [
    re_path(
        r"^(?P<rest>.*?)(?:\.(?P<format>json|xml))?$",
        views.NotFoundView.as_view(),
        name="open311-not-found",
    ),
]
