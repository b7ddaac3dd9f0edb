"""Small output shapes several APIs share."""

from typing import Any

from django.conf import settings

from backend.reports import storage
from backend.reports.models import Attachment, Report
from backend.reports.tracking import tracking_token_for
from backend.taxonomy.models import Category


def category_ref(category: Category | None) -> dict[str, Any] | None:
    if category is None:
        return None
    return {
        "slug": category.path,
        "main": category.parent.slug if category.parent else category.slug,
        "name_nl": category.name_nl,
        "name_en": category.name_en,
    }


def photo_ref(attachment: Attachment) -> dict[str, Any]:
    return {
        "url": storage.media_url(attachment.file),
        "thumbnail_url": storage.media_url(attachment.thumbnail),
        "width": attachment.width,
        "height": attachment.height,
    }


def public_links(report: Report) -> dict[str, str]:
    token = tracking_token_for(report.id)
    base = settings.PUBLIC_BASE_URL
    ws_base = "ws" + base[4:] if base.startswith("http") else base
    return {
        "self": f"{base}/api/v1/public/reports/{token}/",
        "websocket": f"{ws_base}/ws/v1/reports/{token}/",
    }
