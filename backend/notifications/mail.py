"""The resident's mails: which template, with what, in which language.

Defaults are files in ``mail_templates/<language>/``: ``<kind>.txt``, or for one category
``<main>/<sub>/<kind>.txt``. ``<kind>`` is ``created`` (the confirmation of receipt),
``follow_confirm`` (the link a follower confirms their address with) or the new status
(``closed``, ``info_requested``, ...); ``status_changed.txt`` covers every status without a
template of its own. The first line is ``Subject: ...``, then a blank line, then the body.
Administrators override any of them in the Django admin (MailTemplate): an override wins over
the file of the same kind and category. Templates are plain text Django templates.
"""

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.template import Context, Engine, Template

from backend.reports.catalogue import public_part
from backend.reports.models import Report, ReportEvent
from backend.reports.tracking import tracking_token_of
from backend.reports.workflow import RESOLUTION_TEXT, status_text

from .models import MailTemplate, Subscription
from .tokens import confirm_token_of, unsubscribe_token_of

TEMPLATE_ROOT = Path(__file__).resolve().parent / "mail_templates"
GENERIC_KIND = "status_changed"
CONFIRM_KIND = "follow_confirm"
# Plain-text mail: nothing to escape.
_engine = Engine(dirs=[str(TEMPLATE_ROOT)], autoescape=False)


@dataclass(frozen=True)
class RenderedMail:
    subject: str
    body: str
    unsubscribe_url: str


def mail_kind(event: ReportEvent) -> str:
    if event.type == ReportEvent.Type.CREATED:
        return "created"
    if event.type == ReportEvent.Type.FOLLOWER_ADDED:
        return CONFIRM_KIND
    return public_part(event).status or GENERIC_KIND


def resident_links(report: Report, subscription: Subscription) -> dict[str, str]:
    """The links a mail or push carries, with the tokens whose hashes are stored (the same
    links before and after a rotation of the secret); none for a token no configured secret
    made (`manage.py links_renew` gives such ones new tokens)."""
    token = tracking_token_of(report)
    unsubscribe = unsubscribe_token_of(subscription)
    api = f"{settings.PUBLIC_BASE_URL}/api/v1/public"
    app = settings.RESIDENT_APP_URL
    tracking_url = feedback_url = ""
    if token and app:
        tracking_url = f"{app}/reports/{token}"
        feedback_url = f"{app}/reports/{token}/feedback"
    elif token:
        # Our own resident web app: the report page, its feedback form further down on it.
        tracking_url = f"{settings.PUBLIC_BASE_URL}/r/{token}/"
        feedback_url = f"{tracking_url}#feedback-title"
    return {
        "tracking_url": tracking_url,
        "feedback_url": feedback_url,
        "unsubscribe_url": f"{api}/unsubscribe/{unsubscribe}/" if unsubscribe else "",
    }


def _split(source: str) -> tuple[str, str]:
    first, _, rest = source.partition("\n")
    if not first.lower().startswith("subject:"):
        raise ValueError("a mail template starts with a 'Subject: ...' line")
    return first.split(":", 1)[1].strip(), rest.lstrip("\n")


@lru_cache(maxsize=256)
def _file_source(path: Path) -> tuple[str, str] | None:
    # The files ship with the code: read once per process (a deploy restarts it).
    return _split(path.read_text(encoding="utf-8")) if path.is_file() else None


@lru_cache(maxsize=512)
def _compiled(source: str) -> Template:
    # Keyed by the source itself, so an administrator's edit compiles anew.
    return _engine.from_string(source)


class MailTemplates:
    """The administrators' overrides as they are now, read in one query, for a batch of mails.

    A new batch reads them again, so an edit in the admin applies to the next batch."""

    def __init__(self) -> None:
        self._overrides: dict[tuple[str, str, str | None], tuple[str, str]] = {
            (kind, language, path): (subject, body)
            for kind, language, path, subject, body in MailTemplate.objects.values_list(
                "kind", "language", "category__path", "subject", "body"
            )
        }

    def source(self, kind: str, category_path: str | None, language: str) -> tuple[str, str]:
        """(subject, body) template sources, most specific first: override, then file."""
        # A confirmation request is never a status mail: it has its own template or none.
        kinds = [kind] if kind in (GENERIC_KIND, CONFIRM_KIND) else [kind, GENERIC_KIND]
        for candidate in kinds:
            for specific in (True, False):
                if specific and not category_path:
                    continue
                path = category_path if specific else None
                override = self._overrides.get((candidate, language, path))
                if override is not None:
                    return override
                folder = TEMPLATE_ROOT / language
                if path:
                    folder = folder / path
                found = _file_source(folder / f"{candidate}.txt")
                if found is not None:
                    return found
        raise LookupError(f"no mail template for {kind!r} in {language!r}")


def _confirm_url(subscription: Subscription) -> str:
    token = confirm_token_of(subscription) if subscription.confirmed_at is None else None
    return f"{settings.PUBLIC_BASE_URL}/api/v1/public/confirm/{token}/" if token else ""


def mail_render(
    *,
    event: ReportEvent,
    report: Report,
    subscription: Subscription,
    templates: MailTemplates | None = None,
) -> RenderedMail:
    language = subscription.language if subscription.language in ("nl", "en") else "nl"
    part = public_part(event)
    status = part.status or report.status
    resolution = part.resolution
    category = report.category
    links = resident_links(report, subscription)
    if subscription.origin != Subscription.Origin.REPORTER:
        # The tracking link opens the report (its text, its photos): that is for whoever made
        # it. Followers and a merged duplicate's resident get the news, not the key.
        links["tracking_url"] = links["feedback_url"] = ""
    context = {
        "kind": mail_kind(event),
        "status": status,
        "status_text": status_text(status, language, resolution or None) if status else "",
        "resolution": resolution,
        "resolution_text": RESOLUTION_TEXT[resolution][language] if resolution else "",
        "text": part.text,
        "category": (category.name_en if language == "en" else category.name_nl)
        if category
        else "",
        "created_at": report.created_at,
        # The human id to quote on the phone, and where the problem is, when an address is near.
        "short_id": report.short_id,
        "address": report.address.display if report.address else "",
        "feedback_days": settings.FEEDBACK_WINDOW_DAYS,
        "is_reporter": subscription.origin == Subscription.Origin.REPORTER,
        "confirm_url": _confirm_url(subscription),
        "confirm_days": settings.SUBSCRIPTION_CONFIRM_DAYS,
        **links,
    }
    subject_source, body_source = (templates or MailTemplates()).source(
        mail_kind(event), category.path if category else None, language
    )
    subject = _compiled(subject_source).render(Context(context)).strip()
    body = _compiled(body_source).render(Context(context))
    footer = (
        "\n\n--\nGeen berichten meer over deze melding? Afmelden: "
        if language == "nl"
        else "\n\n--\nNo more messages about this report? Unsubscribe: "
    ) + links["unsubscribe_url"]
    # One line, however the template was written: a subject is a header.
    subject = " ".join(subject.split())[:200]
    return RenderedMail(
        subject=subject,
        body=body.rstrip() + footer + "\n",
        unsubscribe_url=links["unsubscribe_url"],
    )
