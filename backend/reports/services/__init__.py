"""Every write to a report, one module per subject; all of them go through `change.py`.

intake       a new report (classify, place, route, first events)
idempotency  a retried intake answered as the first time
workflow     status transitions, assigning by hand
corrections  category, priority, location, triage flag (re-routes)
placing      the service-area check and routing's events
photos       uploads kept raw, processed after commit
notes        staff's internal notes
answers      the resident's answer to an information request
additions    photos a resident adds after filing
suggestions  the classifier's suggestion recorded off the request
bulk         one action on many reports, each its own change and outcome
queues       dispatchers' saved filters (work queues)
sla          deadline_warning and overdue, recorded by beat once per report
standard_texts  administrators' texts for status changes, with their revisions
"""

from .additions import report_photos_add
from .answers import report_reply
from .bulk import BulkAction, BulkChange, BulkOutcome, reports_bulk_change
from .corrections import report_update
from .idempotency import IdempotencyKeyReused, idempotency_response_store
from .intake import ReportCreateResult, report_create
from .notes import report_note_add
from .photos import (
    PhotoUpload,
    attachment_mark_failed,
    attachment_process,
    attachments_store,
    written_files_remove,
)
from .queues import work_queue_create, work_queue_delete, work_queue_update
from .sla import SlaRun, sla_events_record
from .standard_texts import standard_text_remove, standard_text_save
from .suggestions import suggestions_record
from .workflow import report_assign, report_transition

__all__ = [
    "BulkAction",
    "BulkChange",
    "BulkOutcome",
    "IdempotencyKeyReused",
    "PhotoUpload",
    "ReportCreateResult",
    "SlaRun",
    "attachment_mark_failed",
    "attachment_process",
    "attachments_store",
    "idempotency_response_store",
    "report_assign",
    "report_create",
    "report_note_add",
    "report_photos_add",
    "report_reply",
    "report_transition",
    "report_update",
    "reports_bulk_change",
    "sla_events_record",
    "standard_text_remove",
    "standard_text_save",
    "suggestions_record",
    "work_queue_create",
    "work_queue_delete",
    "work_queue_update",
    "written_files_remove",
]
