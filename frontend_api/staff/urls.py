from django.urls import path

from . import (
    bulk,
    classifier,
    contractors,
    duplicates,
    export,
    merge,
    overview,
    queues,
    routing,
    views,
)

urlpatterns = [
    path("reports/", views.ReportListView.as_view(), name="staff-reports"),
    path("reports/map/", overview.ReportMapView.as_view(), name="staff-reports-map"),
    path("reports/bulk/", bulk.ReportBulkView.as_view(), name="staff-reports-bulk"),
    path("reports/export.csv", export.ReportExportView.as_view(), name="staff-reports-export"),
    path("stats/", overview.StatsView.as_view(), name="staff-stats"),
    path("queues/", queues.QueueListView.as_view(), name="staff-queues"),
    path("queues/<int:queue_id>/", queues.QueueDetailView.as_view(), name="staff-queue"),
    path("reports/<uuid:report_id>/", views.ReportDetailView.as_view(), name="staff-report"),
    path(
        "reports/<uuid:report_id>/transition/",
        views.ReportTransitionView.as_view(),
        name="staff-report-transition",
    ),
    path(
        "reports/<uuid:report_id>/assign/",
        views.ReportAssignView.as_view(),
        name="staff-report-assign",
    ),
    path(
        "reports/<uuid:report_id>/notes/",
        views.ReportNotesView.as_view(),
        name="staff-report-notes",
    ),
    path(
        "reports/<uuid:report_id>/events/",
        views.ReportEventsView.as_view(),
        name="staff-report-events",
    ),
    path(
        "reports/<uuid:report_id>/assignments/",
        contractors.ReportAssignmentsView.as_view(),
        name="staff-report-assignments",
    ),
    path(
        "assignments/<uuid:assignment_id>/withdraw/",
        contractors.AssignmentWithdrawView.as_view(),
        name="staff-assignment-withdraw",
    ),
    path(
        "webhook-deliveries/",
        contractors.WebhookMessagesView.as_view(),
        name="staff-webhook-deliveries",
    ),
    path(
        "webhook-deliveries/<uuid:message_id>/redeliver/",
        contractors.WebhookRedeliverView.as_view(),
        name="staff-webhook-redeliver",
    ),
    path(
        "reports/<uuid:report_id>/duplicates/",
        duplicates.ReportDuplicatesView.as_view(),
        name="staff-report-duplicates",
    ),
    path(
        "reports/<uuid:report_id>/merge/",
        merge.ReportMergeView.as_view(),
        name="staff-report-merge",
    ),
    path(
        "classifier/versions/",
        classifier.ClassifierVersionsView.as_view(),
        name="staff-classifier-versions",
    ),
    path(
        "classifier/versions/<int:model_id>/activate/",
        classifier.ClassifierActivateView.as_view(),
        name="staff-classifier-activate",
    ),
    path(
        "classifier/live-accuracy/",
        classifier.LiveAccuracyView.as_view(),
        name="staff-classifier-live-accuracy",
    ),
    path("routing/ruleset/", routing.RuleSetView.as_view(), name="staff-routing-ruleset"),
    path("routing/explain/", routing.RoutingExplainView.as_view(), name="staff-routing-explain"),
    path("routing/preview/", routing.RoutingPreviewView.as_view(), name="staff-routing-preview"),
]
