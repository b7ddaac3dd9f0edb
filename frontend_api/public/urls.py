from django.urls import path

from . import answers, views

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

# The push channels and the resident's answers (frontend_api/public/answers.py).
urlpatterns += [
    path("push/", answers.PushConfigView.as_view(), name="public-push-config"),
    path(
        "reports/<str:tracking_token>/subscriptions/",
        answers.PushSubscriptionsView.as_view(),
        name="public-report-subscriptions",
    ),
    path(
        "reports/<str:tracking_token>/subscriptions/<uuid:subscription_id>/",
        answers.PushSubscriptionView.as_view(),
        name="public-report-subscription",
    ),
    path(
        "reports/<str:tracking_token>/follow/",
        answers.FollowView.as_view(),
        name="public-report-follow",
    ),
    path(
        "reports/<str:tracking_token>/feedback/",
        answers.FeedbackView.as_view(),
        name="public-report-feedback",
    ),
    path(
        "reports/<str:tracking_token>/reply/",
        answers.ReplyView.as_view(),
        name="public-report-reply",
    ),
    path("unsubscribe/<str:token>/", answers.UnsubscribeView.as_view(), name="public-unsubscribe"),
    path("confirm/<str:token>/", answers.ConfirmView.as_view(), name="public-follow-confirm"),
]
