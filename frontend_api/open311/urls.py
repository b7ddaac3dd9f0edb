from django.urls import re_path

from . import views

_FMT = r"\.(?P<format>json|xml)$"

urlpatterns = [
    re_path(rf"^discovery{_FMT}", views.DiscoveryView.as_view(), name="open311-discovery"),
    re_path(rf"^services{_FMT}", views.ServiceListView.as_view(), name="open311-services"),
    re_path(
        rf"^services/(?P<service_code>[\w.-]+?){_FMT}",
        views.ServiceDefinitionView.as_view(),
        name="open311-service",
    ),
    re_path(rf"^requests{_FMT}", views.RequestsView.as_view(), name="open311-requests"),
    re_path(
        rf"^requests/(?P<service_request_id>[\w-]+?){_FMT}",
        views.RequestDetailView.as_view(),
        name="open311-request",
    ),
    re_path(rf"^tokens/(?P<token>[\w-]+?){_FMT}", views.TokenView.as_view(), name="open311-token"),
    re_path(rf"^servicerequestupdates{_FMT}", views.UpdatesView.as_view(), name="open311-updates"),
    re_path(
        r"^(?P<rest>.*?)(?:\.(?P<format>json|xml))?$",
        views.NotFoundView.as_view(),
        name="open311-not-found",
    ),
]
