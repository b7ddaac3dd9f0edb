from django.urls import path

from . import views

urlpatterns = [
    path("assignments/", views.AssignmentListView.as_view(), name="contractor-assignments"),
    path(
        "assignments/<uuid:assignment_id>/",
        views.AssignmentDetailView.as_view(),
        name="contractor-assignment",
    ),
    path(
        "assignments/<uuid:assignment_id>/accept/",
        views.AssignmentAcceptView.as_view(),
        name="contractor-assignment-accept",
    ),
    path(
        "assignments/<uuid:assignment_id>/reject/",
        views.AssignmentRejectView.as_view(),
        name="contractor-assignment-reject",
    ),
    path(
        "assignments/<uuid:assignment_id>/progress/",
        views.AssignmentProgressView.as_view(),
        name="contractor-assignment-progress",
    ),
    path(
        "assignments/<uuid:assignment_id>/complete/",
        views.AssignmentCompleteView.as_view(),
        name="contractor-assignment-complete",
    ),
]
