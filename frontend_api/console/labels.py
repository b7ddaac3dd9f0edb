"""The console's words for the workflow's values (the models' choices carry English labels
for the API and the admin): `{% load console %}`, then `{{ report.status|status_label }}`."""

from django import template
from django.utils.translation import gettext_lazy as _

register = template.Library()

STATUS = {
    "received": _("Received"),
    "assigned": _("Assigned"),
    "in_progress": _("In progress"),
    "scheduled": _("Scheduled"),
    "info_requested": _("Information requested"),
    "completed_by_contractor": _("Completed by contractor"),
    "closed": _("Closed"),
    "cancelled": _("Cancelled"),
    "reopen_requested": _("Reopening requested"),
    "reopened": _("Reopened"),
}
PRIORITY = {"low": _("Low"), "normal": _("Normal"), "high": _("High")}
# The standard text form's fields, as an error names them.
TEXT_FIELDS = {
    "status": _("Status"),
    "title": _("Title"),
    "text_nl": _("Text (Dutch)"),
    "text_en": _("Text (English)"),
}
REVISION = {"created": _("written"), "changed": _("changed"), "removed": _("removed")}
RESOLUTION = {
    "fixed": _("Fixed"),
    "duplicate": _("Duplicate"),
    "not_found": _("Not found on site"),
    "not_our_responsibility": _("Not our responsibility"),
    "no_action": _("No action needed"),
}
EVENT = {
    "created": _("received"),
    "status_changed": _("status changed"),
    "assigned": _("assigned"),
    "routed": _("routed"),
    "category_changed": _("category changed"),
    "category_confirmed": _("category confirmed"),
    "classified": _("classified"),
    "priority_changed": _("priority changed"),
    "location_changed": _("place changed"),
    "triage_changed": _("triage changed"),
    "note_added": _("note added"),
    "photo_processed": _("photo processed"),
    "photo_failed": _("photo failed"),
    "assignment_offered": _("offered to the contractor"),
    "assignment_accepted": _("accepted by the contractor"),
    "assignment_rejected": _("rejected by the contractor"),
    "assignment_progress": _("contractor's progress"),
    "assignment_completed": _("completed by the contractor"),
    "assignment_withdrawn": _("withdrawn from the contractor"),
    "resident_replied": _("the resident answered"),
    "feedback_received": _("feedback received"),
    "merged": _("merged into another report"),
    "duplicate_merged": _("a duplicate was merged into this one"),
    "follower_added": _("follower added"),
    "follower_confirmed": _("follower confirmed"),
    "mail_failed": _("mail failed"),
    "push_failed": _("push message failed"),
    "contact_erased": _("contact details erased"),
}


def choices(labels: dict) -> list[tuple[str, str]]:
    return list(labels.items())


@register.filter
def status_label(value: str) -> str:
    return str(STATUS.get(value, value))


@register.filter
def priority_label(value: str) -> str:
    return str(PRIORITY.get(value, value))


@register.filter
def resolution_label(value: str) -> str:
    return str(RESOLUTION.get(value, value))


@register.filter
def event_label(value: str) -> str:
    return str(EVENT.get(value, value))


@register.filter
def revision_label(value: str) -> str:
    return str(REVISION.get(value, value))
