"""One action on many reports: each report its own change, its own transaction and its own
outcome, so a report that may not make the move does not stop the others."""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from backend.common.errors import ConflictError, DomainValidationError
from backend.organisations.models import Contractor
from backend.taxonomy.models import Category, Department

from ..actors import ActorRef
from ..models import Report
from ..search import ReportScope
from .corrections import report_update
from .workflow import report_assign, report_transition


class BulkAction:
    ASSIGN = "assign"
    TRANSITION = "transition"
    PRIORITY = "priority"
    CATEGORY = "category"
    CHOICES = (ASSIGN, TRANSITION, PRIORITY, CATEGORY)


@dataclass(frozen=True)
class BulkOutcome:
    id: uuid.UUID
    ok: bool
    error: str | None = None  # not_found, conflict, invalid
    message: str | None = None
    fields: dict[str, list[str]] | None = None


@dataclass(frozen=True)
class BulkChange:
    """What to do to each report; only the action's own values are read."""

    action: str
    department: Department | None = None
    contractor: Contractor | None = None
    to: str = ""
    resolution: str = ""
    public_text: str = ""
    priority: str = ""
    category: Category | None = None


def _apply(report_id: uuid.UUID, change: BulkChange, actor: ActorRef) -> None:
    if change.action == BulkAction.ASSIGN:
        report_assign(
            report_id=report_id,
            actor=actor,
            department=change.department,
            contractor=change.contractor,
        )
    elif change.action == BulkAction.TRANSITION:
        report_transition(
            report_id=report_id,
            actor=actor,
            to=change.to,
            resolution=change.resolution,
            public_text=change.public_text,
        )
    elif change.action == BulkAction.PRIORITY:
        report_update(report_id=report_id, actor=actor, priority=change.priority)
    elif change.action == BulkAction.CATEGORY:
        report_update(report_id=report_id, actor=actor, category=change.category)
    else:
        raise DomainValidationError.single("action", _("Unknown action."))


def reports_bulk_change(
    *,
    report_ids: Sequence[uuid.UUID],
    change: BulkChange,
    actor: ActorRef,
    scope: ReportScope,
) -> list[BulkOutcome]:
    """Apply `change` to each report in turn, in the order given (once per id). A report the
    actor may not see answers not_found, as one that does not exist: nothing tells them
    apart."""
    ids = list(dict.fromkeys(report_ids))
    visible = set(scope.visible(Report.objects.filter(pk__in=ids)).values_list("pk", flat=True))
    outcomes: list[BulkOutcome] = []
    for report_id in ids:
        outcome: dict[str, Any]
        if report_id not in visible:
            outcome = {"error": "not_found", "message": _("Not found.")}
        else:
            try:
                _apply(report_id, change, actor)
                outcome = {}
            except ConflictError as exc:
                outcome = {"error": "conflict", "message": exc.message}
            except DomainValidationError as exc:
                outcome = {
                    "error": "invalid",
                    "message": _("The request has invalid fields."),
                    "fields": exc.errors,
                }
            except Report.DoesNotExist:
                outcome = {"error": "not_found", "message": _("Not found.")}
        outcomes.append(BulkOutcome(id=report_id, ok=not outcome, **outcome))
    return outcomes
