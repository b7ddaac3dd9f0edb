"""How the standards' APIs name a report and its place to other systems: its short id
(`M-2026-000123`: Open311's service_request_id, Signalen's `_display`) and its address."""

from django.db.models import QuerySet

from backend.reports.models import Report


def report_short_id(report: Report) -> str:
    return report.short_id


def report_ids_for_short_ids(values: list[str]) -> QuerySet[Report]:
    return Report.objects.filter(short_id__in=[v.strip().upper() for v in values])


def report_address_text(report: Report) -> str:
    return report.address.display if report.address_id and report.address else ""
