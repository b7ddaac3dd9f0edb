"""The small HTML pages the links in our mails open (unsubscribe, confirm a follower).

A mail client or a browser opens them, so they answer in HTML, in the subscriber's language;
the app posts to the same URLs and gets JSON.
"""

from django.http import HttpResponse
from django.utils.html import escape
from rest_framework.request import Request

_PAGE = """<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8"><title>{title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><main><h1>{title}</h1><p>{text}</p>{form}</main></body></html>"""

# (Dutch, English) texts of the pages the links in mails open.
Texts = tuple[str, str]


def page(
    english: bool,
    title: Texts,
    text: Texts,
    *,
    button: Texts | None = None,
    action: str = "",
    status: int = 200,
) -> HttpResponse:
    """A minimal page; with a button, a form that POSTs to `action`."""
    pick = 1 if english else 0
    form = (
        f'<form method="post" action="{escape(action)}"><button type="submit">'
        f"{button[pick]}</button></form>"
        if button
        else ""
    )
    body = _PAGE.format(
        lang="en" if english else "nl", title=title[pick], text=text[pick], form=form
    )
    return HttpResponse(body, status=status)


def both(texts: Texts) -> Texts:
    """One page in both languages, for a token that no longer says whose it was."""
    text = f"{texts[0]} / {texts[1]}"
    return text, text


def form_post(request: Request) -> bool:
    """Posted by the page's own form (a browser), not by the app or a mail client."""
    return request.content_type.startswith("application/x-www-form-urlencoded") and (
        "List-Unsubscribe" not in request.data
    )
