"""Moving a report through the workflow and handing it to whoever does the work."""

import uuid

from django.utils.translation import gettext as _

from backend.common.errors import ConflictError, DomainValidationError
from backend.organisations.models import Contractor
from backend.taxonomy.models import Department

from ..actors import ActorRef
from ..catalogue import Assigned
from ..change import report_change
from ..models import Report
from ..workflow import Status


def report_transition(
    *,
    report_id: uuid.UUID,
    actor: ActorRef,
    to: str,
    resolution: str = "",
    public_text: str = "",
) -> Report:
    """Move a report to another status, if the workflow table allows this actor to."""
    with report_change(report_id=report_id, actor=actor) as change:
        change.transition(to, resolution=resolution, public_text=public_text)
    return change.report


def report_assign(
    *,
    report_id: uuid.UUID,
    actor: ActorRef,
    department: Department | None = None,
    contractor: Contractor | None = None,
) -> Report:
    """Hand a report to a department and/or an external contractor by hand.

    Automatic re-routing leaves a hand-made assignment alone afterwards. Giving only a
    department takes the report away from a contractor; giving only a contractor keeps the
    responsible department. The contractors app acts on the `assigned` event.
    """
    if department is None and contractor is None:
        raise DomainValidationError.single(
            "department", _("Assign to a department, a contractor or both.")
        )
    with report_change(report_id=report_id, actor=actor) as change:
        report = change.report
        if report.status in (Status.CLOSED, Status.CANCELLED):
            raise ConflictError(
                _("A %(status)s report cannot be assigned.") % {"status": report.status},
                current=report.status,
            )
        previous = report.department.code if report.department else None
        previous_contractor = report.contractor.code if report.contractor else None
        change.set(
            department=department if department is not None else report.department,
            contractor=contractor,
            assigned_manually=True,
            needs_triage=False,
        )
        change.record(
            Assigned(
                department=report.department.code if report.department else None,
                contractor=contractor.code if contractor else None,
                previous_department=previous,
                previous_contractor=previous_contractor,
                reason="manual",
            )
        )
        if report.status != Status.ASSIGNED and change.may_transition(Status.ASSIGNED):
            change.transition(Status.ASSIGNED)
    return change.report
