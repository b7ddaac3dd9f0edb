from django.urls import path

from . import views

urlpatterns = [
    path("reports/", views.ReportCreateView.as_view(), name="public-report-create"),
    path(
        "reports/<str:tracking_token>/",
        views.ReportPublicView.as_view(),
        name="public-report-detail",
    ),
    path("categories/", views.CategoryTreeView.as_view(), name="public-categories"),
    path("classify/", views.ClassifyView.as_view(), name="public-classify"),
]
