"""Django's middleware, run synchronously in the request's one worker thread.

Under ASGI, middleware that can run either way runs asynchronously and hops to a thread for
each of its sync hooks; with a sync-only chain Django switches once per request instead. Every
view here is synchronous (the WebSocket side does not pass through this chain), so nothing
is lost, and an intake request spends about a millisecond less on switching.
"""

from csp.middleware import CSPMiddleware
from django.contrib.auth.middleware import AuthenticationMiddleware
from django.contrib.messages.middleware import MessageMiddleware
from django.contrib.sessions.middleware import SessionMiddleware
from django.middleware.clickjacking import XFrameOptionsMiddleware
from django.middleware.common import CommonMiddleware
from django.middleware.csrf import CsrfViewMiddleware
from django.middleware.locale import LocaleMiddleware
from django.middleware.security import SecurityMiddleware


class SyncSecurityMiddleware(SecurityMiddleware):
    async_capable = False


class SyncSessionMiddleware(SessionMiddleware):
    async_capable = False


class SyncCommonMiddleware(CommonMiddleware):
    async_capable = False


class SyncCsrfViewMiddleware(CsrfViewMiddleware):
    async_capable = False


class SyncAuthenticationMiddleware(AuthenticationMiddleware):
    async_capable = False


class SyncMessageMiddleware(MessageMiddleware):
    async_capable = False


class SyncXFrameOptionsMiddleware(XFrameOptionsMiddleware):
    async_capable = False


class SyncLocaleMiddleware(LocaleMiddleware):
    async_capable = False


class SyncCSPMiddleware(CSPMiddleware):
    async_capable = False
