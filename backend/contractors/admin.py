from django.contrib import admin

from .models import Assignment, WebhookAttempt, WebhookMessage


@admin.register(Assignment)
class AssignmentAdmin(admin.ModelAdmin):
    list_display = ["id", "contractor", "report", "state", "offered_at", "finished_at"]
    list_filter = ["state", "contractor"]
    # Every change goes through the services (and so into the report's history).
    readonly_fields = [f.name for f in Assignment._meta.fields]

    def has_add_permission(self, request):
        return False


class WebhookAttemptInline(admin.TabularInline):
    model = WebhookAttempt
    extra = 0
    can_delete = False
    readonly_fields = [f.name for f in WebhookAttempt._meta.fields]


@admin.register(WebhookMessage)
class WebhookMessageAdmin(admin.ModelAdmin):
    list_display = ["id", "contractor", "type", "state", "attempts", "created_at"]
    list_filter = ["state", "type", "contractor"]
    readonly_fields = [f.name for f in WebhookMessage._meta.fields]
    inlines = [WebhookAttemptInline]

    def has_add_permission(self, request):
        return False
