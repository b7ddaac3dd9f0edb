from django.urls import path

from .link import assignment_link_view

urlpatterns = [
    path("<str:token>/", assignment_link_view, name="contractor-link"),
]
