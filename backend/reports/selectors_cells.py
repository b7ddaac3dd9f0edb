"""Whether the overviews' cells (services/overview_cells.py) can answer a filter, and the
filter as they hold it: status, category, department and, for the statistics, whole days."""

from dataclasses import fields, replace
from datetime import datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone

from backend.taxonomy.models import Category

from .models import OverviewCellsBuilt
from .search import ReportFilters, ReportScope


def _unset(value: Any) -> bool:
    return value is None or (isinstance(value, str | tuple | list) and not value)


def cells_answer(filters: ReportFilters, *, days: bool = False) -> bool:
    """Whether the overviews' cells can answer: a filter of status, category and department
    (and the bbox, for the map; with `days`, a range of whole days of the municipality's) alone,
    and cells rebuilt lately."""
    rest = replace(filters, statuses=(), category=None, department=None, bbox=None)
    if days and all(_whole_day(t) for t in (rest.created_after, rest.created_before)):
        rest = replace(rest, created_after=None, created_before=None)
    if settings.OVERVIEW_CELLS_SECONDS <= 0:
        return False
    if not all(_unset(getattr(rest, f.name)) for f in fields(rest)):
        return False
    stale = timezone.now() - timedelta(seconds=3 * settings.OVERVIEW_CELLS_SECONDS)
    return OverviewCellsBuilt.objects.filter(pk=1, built_at__gt=stale).exists()


def _whole_day(moment: datetime | None) -> bool:
    return moment is None or timezone.localtime(moment).time() == time(0)


def cell_where(filters: ReportFilters, scope: ReportScope) -> dict[str, Any]:
    """The filter as the cells (and the reports) hold it: status, category and department."""
    where: dict[str, Any] = {}
    if filters.statuses:
        where["status__in"] = list(filters.statuses)
    if filters.category is not None:
        category = filters.category
        ids = [category.pk]
        if category.parent_id is None:
            ids += list(Category.objects.filter(parent=category).values_list("pk", flat=True))
        where["category_id__in"] = ids
    if filters.department is not None:
        where["department_id"] = filters.department.pk
    if scope.department_id is not None:
        asked = where.get("department_id", scope.department_id)
        # Another department's than the user's own: nothing (no department has id 0).
        where["department_id"] = scope.department_id if asked == scope.department_id else 0
    return where
