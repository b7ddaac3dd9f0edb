from django.urls import path, re_path

from . import views

# Signalen's own clients write some of these paths with a trailing slash and some without.
_SLASH = "/?$"

urlpatterns = [
    path("public/signals/", views.PublicSignalCreateView.as_view(), name="signalen-create"),
    re_path(
        rf"^public/signals/geography{_SLASH}",
        views.GeographyView.as_view(),
        name="signalen-geography",
    ),
    re_path(
        rf"^public/signals/(?P<signal_id>[\w-]+)/attachments{_SLASH}",
        views.AttachmentCreateView.as_view(),
        name="signalen-attachments",
    ),
    re_path(
        rf"^public/signals/(?P<signal_id>[\w-]+){_SLASH}",
        views.PublicSignalView.as_view(),
        name="signalen-public",
    ),
    path("public/terms/categories/", views.CategoryListView.as_view(), name="signalen-categories"),
    re_path(
        rf"^public/terms/categories/(?P<slug>[\w-]+){_SLASH}",
        views.CategoryDetailView.as_view(),
        name="signalen-category",
    ),
    re_path(
        rf"^public/terms/categories/(?P<slug>[\w-]+)/sub_categories/(?P<sub_slug>[\w-]+){_SLASH}",
        views.SubCategoryDetailView.as_view(),
        name="signalen-sub-category",
    ),
    path(
        "public/feedback/standard_answers/",
        views.StandardAnswersView.as_view(),
        name="signalen-standard-answers",
    ),
    re_path(
        rf"^public/feedback/forms/(?P<token>[\w-]+){_SLASH}",
        views.FeedbackFormView.as_view(),
        name="signalen-feedback-form",
    ),
    path("private/signals/", views.PrivateSignalListView.as_view(), name="signalen-private-list"),
    re_path(
        rf"^private/signals/(?P<signal_id>[\w-]+){_SLASH}",
        views.PrivateSignalView.as_view(),
        name="signalen-private",
    ),
]
