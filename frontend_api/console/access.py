"""Who may open which console page: a signed-in staff role (department staff see their
department's reports only; the read-only role changes nothing; administrators also manage
the rule set and the classifier)."""

import uuid
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_POST

from backend.accounts.models import User
from backend.reports.actors import ActorRef
from backend.reports.models import Report
from backend.reports.search import ReportScope
from backend.reports.selectors import report_get

View = Callable[..., HttpResponse]


def _guard(allowed: Callable[[User], bool]) -> Callable[[View], View]:
    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not allowed(user):  # type: ignore[arg-type]
                return render(request, "console/forbidden.html", status=403)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def console_page(view: View) -> View:
    """A page every staff role reads."""
    return require_GET(_guard(lambda user: user.is_staff_reader)(view))


def console_action(view: View) -> View:
    """A change: a form post (CSRF-checked by the middleware) by a role that may change."""
    return require_POST(_guard(lambda user: user.is_staff_actor)(view))


def console_admin_page(view: View) -> View:
    return require_GET(_guard(lambda user: user.is_municipal_admin)(view))


def console_admin_action(view: View) -> View:
    return require_POST(_guard(lambda user: user.is_municipal_admin)(view))


def console_user(request: HttpRequest) -> User:
    # The guards let only signed-in staff users in.
    return request.user  # type: ignore[return-value]


def scope_for(user: User) -> ReportScope:
    return ReportScope(department_id=user.report_department_scope)


def actor_of(request: HttpRequest) -> ActorRef:
    return ActorRef.staff(request.user)


def report_or_404(request: HttpRequest, report_id: uuid.UUID) -> Report:
    """The report if this user may see it; one of another department is not found, as the
    staff API answers."""
    report = report_get(report_id)
    department = console_user(request).report_department_scope
    if report is None or (department is not None and report.department_id != department):
        raise Http404
    return report
