from django.contrib import admin
from django.core.exceptions import ValidationError
from django.forms import ModelForm
from django.template import Engine, TemplateSyntaxError

from .models import MailTemplate


class MailTemplateForm(ModelForm):
    class Meta:
        model = MailTemplate
        fields = ["kind", "category", "language", "subject", "body"]

    def clean(self):
        data = super().clean() or {}
        engine = Engine(autoescape=False)
        for name in ("subject", "body"):
            try:
                engine.from_string(data.get(name) or "")
            except TemplateSyntaxError as exc:
                self.add_error(name, ValidationError(f"Template error: {exc}"))
        return data


@admin.register(MailTemplate)
class MailTemplateAdmin(admin.ModelAdmin):
    """Overrides of the mail templates in backend/notifications/mail_templates/.

    Kind: "created", a status ("closed", "info_requested", ...) or "status_changed" for every
    status without its own. Context: status_text, text, resolution_text, category,
    tracking_url, feedback_url, unsubscribe_url, feedback_days, is_reporter, short_id (the
    report's number, M-2026-000123), address (the nearest address, or empty). An unsubscribe
    line is always appended.
    """

    form = MailTemplateForm
    list_display = ["kind", "category", "language", "subject", "updated_at"]
    list_filter = ["language", "kind"]
