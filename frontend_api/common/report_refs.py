"""How the standards' APIs name a report and its place to other systems: its short id
(`M-2026-000123`, Open311's service_request_id, Signalen's `_display`) and its address."""

import uuid

from django.db.models import QuerySet

from backend.reports.models import Report


def report_short_id(report: Report) -> str:
    return getattr(report, "short_id", "") or str(report.id)


def report_ids_for_short_ids(values: list[str]) -> QuerySet[Report]:
    if any(f.name == "short_id" for f in Report._meta.get_fields()):
        return Report.objects.filter(short_id__in=values)  # type: ignore[misc]
    ids = []
    for value in values:
        try:
            ids.append(uuid.UUID(value))
        except ValueError:
            continue
    return Report.objects.filter(id__in=ids)


def report_address_text(report: Report) -> str:
    address = getattr(report, "address", None)
    return str(address) if address is not None else ""
