"""The queue (`/console/`): the staff list with every filter as a form, the saved work queues
with their counts, sorting and cursor paging, bulk actions. Reads through the same selectors
as GET /api/v1/staff/reports/; writes through reports_bulk_change as the bulk endpoint."""

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from rest_framework import serializers

from backend.organisations.selectors import contractors_active
from backend.reports.models import Report
from backend.reports.search import ORDERINGS, reports_count, reports_filtered, reports_page
from backend.reports.selectors import report_list_related, work_queues_for
from backend.reports.services import BulkChange, reports_bulk_change
from backend.taxonomy.selectors import category_tree, departments_all
from frontend_api.staff.bulk import BulkInputSerializer
from frontend_api.staff.filters import (
    ReportFilterSerializer,
    ReportListQuerySerializer,
    cursor_write,
    filters_from_query,
    report_filters,
)

from . import labels
from .access import actor_of, console_action, console_page, console_user, scope_for
from .filtering import FILTER_NAMES, LIST_NAMES, form_params, validated
from .labels import choices


def filter_choices() -> dict[str, Any]:
    """What the filter and action forms offer."""
    return {
        "categories": category_tree(),
        "departments": departments_all(),
        "contractors": contractors_active(),
        "statuses": choices(labels.STATUS),
        "resolutions": choices(labels.RESOLUTION),
        "priorities": choices(labels.PRIORITY),
        "sources": Report.Source.choices,
        "orderings": [f"{sign}{name}" for name in ORDERINGS for sign in ("-", "")],
    }


def _queues_with_counts(request: HttpRequest) -> list[dict[str, Any]]:
    user = console_user(request)
    queues = []
    for queue in work_queues_for(user):
        try:
            matching = reports_filtered(filters_from_query(queue.filters), scope=scope_for(user))
            count = reports_count(matching)
            value: int | None = count.value
        except serializers.ValidationError:
            value = None  # its saved filter no longer validates
        queues.append({"queue": queue, "count": value, "query": urlencode(queue.filters)})
    return queues


@console_page
def queue_page(request: HttpRequest) -> HttpResponse:
    user = console_user(request)
    params = form_params(request.GET, LIST_NAMES)
    data, errors = validated(ReportListQuerySerializer, params)
    context: dict[str, Any] = {
        "nav": "queue",
        "params": params,
        "selected": {name: request.GET.getlist(name) for name in FILTER_NAMES},
        "errors": errors or {},
        "rows": [],
        "count": None,
        **filter_choices(),
    }
    if data is not None:
        matching = reports_filtered(report_filters(data), scope=scope_for(user))
        ordering, size = data["ordering"], data["page_size"]
        page = reports_page(
            report_list_related(matching),
            ordering=ordering,
            size=size,
            position=data.get("cursor"),
        )

        def link(index: int, backwards: bool) -> str:
            query = request.GET.copy()
            query["cursor"] = cursor_write(
                ordering=ordering,
                value=page.keys[index],
                report_id=page.results[index].pk,
                backwards=backwards,
            )
            return f"{request.path}?{query.urlencode()}"

        has_rows = bool(page.results)
        context.update(
            rows=page.results,
            count_query=urlencode(form_params(request.GET, FILTER_NAMES)),
            next=link(-1, False) if page.more_after and has_rows else None,
            previous=link(0, True) if page.more_before and has_rows else None,
            ordering=ordering,
        )
    if request.headers.get("HX-Request"):
        return render(request, "console/_rows.html", context)
    context["queues"] = _queues_with_counts(request)
    return render(request, "console/queue.html", context)


def filled(form: QueryDict) -> QueryDict:
    """The form without its empty fields: an action's form shows every field, the serializer
    reads a missing one as "not given"."""
    data = QueryDict(mutable=True)
    for name in form:
        values = [value for value in form.getlist(name) if value.strip()]
        if values:
            data.setlist(name, values)
    return data


@console_page
def queue_count(request: HttpRequest) -> HttpResponse:
    """How many reports the queue's filter matches, asked for by the page after it has shown
    its rows: at a million reports the count may take longer than the page itself."""
    data, _errors = validated(ReportFilterSerializer, form_params(request.GET, FILTER_NAMES))
    if data is None:
        return HttpResponse(status=400)
    count = reports_count(
        reports_filtered(report_filters(data), scope=scope_for(console_user(request)))
    )
    context = {"count": count.value, "count_is_estimate": count.estimate}
    return render(request, "console/_count.html", context)


def _back(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return fallback


@console_action
def bulk_post(request: HttpRequest) -> HttpResponse:
    back = _back(request, "/console/")
    serializer = BulkInputSerializer(data=filled(request.POST))
    if not serializer.is_valid():
        for name, problems in serializer.errors.items():
            for problem in problems if isinstance(problems, list) else [problems]:
                messages.error(request, f"{name}: {problem}")
        return redirect(back)
    data = serializer.validated_data
    if "ids" not in data:
        messages.error(request, _("Select at least one report."))
        return redirect(back)
    change = BulkChange(
        action=data["action"],
        department=data.get("department"),
        contractor=data.get("contractor"),
        to=data.get("to", ""),
        resolution=data.get("resolution", ""),
        public_text=data.get("public_text", ""),
        priority=data.get("priority", ""),
        category=data.get("category"),
    )
    outcomes = reports_bulk_change(
        report_ids=data["ids"],
        change=change,
        actor=actor_of(request),
        scope=scope_for(console_user(request)),
    )
    done = sum(1 for outcome in outcomes if outcome.ok)
    messages.success(
        request,
        _("%(done)d of %(total)d reports changed.") % {"done": done, "total": len(outcomes)},
    )
    for outcome in outcomes:
        if not outcome.ok:
            messages.error(request, f"{outcome.id}: {outcome.message}")
    return redirect(back)
