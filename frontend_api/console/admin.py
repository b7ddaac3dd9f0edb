"""Administrators' pages: the routing rule set (the active version, uploading a new one, the
impact preview), the classifier versions with their scores and activation, and the standard
texts dispatchers send with a status change. Same services as the staff API's routing and
classifier endpoints."""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from backend.classification.selectors import classifier_version, classifier_versions
from backend.classification.services import classifier_activate
from backend.common.errors import DomainValidationError
from backend.reports.selectors_routing import ruleset_preview
from backend.reports.selectors_texts import (
    standard_text_get,
    standard_text_revisions,
    standard_texts,
)
from backend.reports.services import standard_text_remove, standard_text_save
from backend.routing.selectors import ruleset_active, rulesets
from backend.routing.services import RuleSetInvalid, ruleset_load
from backend.routing.validation import ruleset_validate

from . import labels
from .access import console_admin_action, console_admin_page, console_user
from .labels import choices

# Uploads: YAML rule files, a rule set is a few of them.
_MAX_FILES = 20
_MAX_FILE_BYTES = 512 * 1024


@console_admin_page
def admin_page(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "console/admin.html",
        {
            "nav": "admin",
            "active": ruleset_active(),
            "versions": rulesets(),
            "classifiers": classifier_versions()[:20],
            "texts": standard_texts(),
            "revisions": standard_text_revisions(20),
            "statuses": choices(labels.STATUS),
        },
    )


def _uploaded_files(request: HttpRequest) -> dict[str, str] | None:
    uploads = request.FILES.getlist("files")
    if not uploads or len(uploads) > _MAX_FILES:
        messages.error(request, _("Choose between 1 and %(max)d rule files.") % {"max": _MAX_FILES})
        return None
    files: dict[str, str] = {}
    for upload in uploads:
        if upload.size is None or upload.size > _MAX_FILE_BYTES:
            messages.error(request, _("%(name)s is too large.") % {"name": upload.name})
            return None
        try:
            files[str(upload.name)] = upload.read().decode("utf-8")
        except UnicodeDecodeError:
            messages.error(request, _("%(name)s is not UTF-8 text.") % {"name": upload.name})
            return None
    return files


def _problems(request: HttpRequest, exc: RuleSetInvalid) -> None:
    for problem in exc.problems:
        where = problem.file + (f" rule {problem.rule}" if problem.rule else "")
        messages.error(request, f"{where} {problem.field}: {problem.message}")


@console_admin_action
def ruleset_upload(request: HttpRequest) -> HttpResponse:
    files = _uploaded_files(request)
    if files is None:
        return redirect("/console/beheer/#ruleset")
    if request.POST.get("preview"):
        validation = ruleset_validate(files)
        if not validation.ok:
            _problems(request, RuleSetInvalid(validation.errors, validation.warnings))
            return redirect("/console/beheer/#ruleset")
        preview = ruleset_preview(files=files, days=30)
        return render(
            request, "console/preview.html", {"nav": "admin", "preview": preview, "files": files}
        )
    try:
        result = ruleset_load(files=files, loaded_by=console_user(request))
    except RuleSetInvalid as exc:
        _problems(request, exc)
        messages.error(request, _("Nothing was changed: the active rule set stays."))
        return redirect("/console/beheer/#ruleset")
    messages.success(
        request, _("Rule set version %(version)d is active.") % {"version": result.ruleset.version}
    )
    return redirect("/console/beheer/#ruleset")


@console_admin_action
def classifier_activate_post(request: HttpRequest, model_id: int) -> HttpResponse:
    model = classifier_version(model_id)
    if model is None:
        raise Http404
    classifier_activate(model=model)
    messages.success(request, _("Classifier %(version)s is active.") % {"version": model.version})
    return redirect("/console/beheer/#classifier")


def _text_saved(request: HttpRequest, text_id: int | None) -> HttpResponse:
    text = None
    if text_id is not None:
        text = standard_text_get(text_id)
        if text is None:
            raise Http404
    try:
        saved = standard_text_save(
            by=console_user(request),
            text=text,
            status=request.POST.get("status", ""),
            title=request.POST.get("title", ""),
            text_nl=request.POST.get("text_nl", ""),
            text_en=request.POST.get("text_en", ""),
        )
    except DomainValidationError as exc:
        for field, problems in exc.errors.items():
            for problem in problems:
                messages.error(request, f"{labels.TEXT_FIELDS.get(field, field)}: {problem}")
        messages.error(request, _("Nothing was changed."))
        return redirect("/console/beheer/#texts")
    messages.success(request, _("Standard text “%(title)s” is saved.") % {"title": saved.title})
    return redirect(f"/console/beheer/#text-{saved.pk}")


@console_admin_action
def standard_text_create_post(request: HttpRequest) -> HttpResponse:
    return _text_saved(request, None)


@console_admin_action
def standard_text_update_post(request: HttpRequest, text_id: int) -> HttpResponse:
    return _text_saved(request, text_id)


@console_admin_action
def standard_text_remove_post(request: HttpRequest, text_id: int) -> HttpResponse:
    text = standard_text_get(text_id)
    if text is None:
        raise Http404
    standard_text_remove(by=console_user(request), text=text)
    messages.success(request, _("Standard text “%(title)s” is removed.") % {"title": text.title})
    return redirect("/console/beheer/#texts")
