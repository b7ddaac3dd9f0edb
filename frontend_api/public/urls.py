from django.urls import path

from . import addresses, confirm, feedback, follow, push, reply, unsubscribe, views

urlpatterns = [
    path("reports/", views.ReportCreateView.as_view(), name="public-report-create"),
    path(
        "reports/<str:tracking_token>/",
        views.ReportPublicView.as_view(),
        name="public-report-detail",
    ),
    path("categories/", views.CategoryTreeView.as_view(), name="public-categories"),
    path("classify/", views.ClassifyView.as_view(), name="public-classify"),
    path("addresses/", addresses.AddressSearchView.as_view(), name="public-addresses"),
]

# The push channels and the resident's answers, one module each.
urlpatterns += [
    path("push/", push.PushConfigView.as_view(), name="public-push-config"),
    path(
        "reports/<str:tracking_token>/subscriptions/",
        push.PushSubscriptionsView.as_view(),
        name="public-report-subscriptions",
    ),
    path(
        "reports/<str:tracking_token>/subscriptions/<uuid:subscription_id>/",
        push.PushSubscriptionView.as_view(),
        name="public-report-subscription",
    ),
    path(
        "reports/<str:tracking_token>/follow/",
        follow.FollowView.as_view(),
        name="public-report-follow",
    ),
    path(
        "reports/<str:tracking_token>/feedback/",
        feedback.FeedbackView.as_view(),
        name="public-report-feedback",
    ),
    path(
        "reports/<str:tracking_token>/reply/",
        reply.ReplyView.as_view(),
        name="public-report-reply",
    ),
    path(
        "unsubscribe/<str:token>/", unsubscribe.UnsubscribeView.as_view(), name="public-unsubscribe"
    ),
    path("confirm/<str:token>/", confirm.ConfirmView.as_view(), name="public-follow-confirm"),
]
