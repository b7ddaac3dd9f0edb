from django.contrib import admin

from .models import Contractor


@admin.register(Contractor)
class ContractorAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "email", "webhook_url", "auto_close", "is_active"]
    search_fields = ["code", "name"]
    # The secret signs webhooks; it is shown once by the command that sets it.
    exclude = ["webhook_secret"]
