"""Signing in to the console: a username and password (Django's session login, CSRF, the
django-axes lockout of settings/limits.py), or single sign-on where it is configured."""

from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import LoginView, LogoutView
from django.http import HttpRequest
from django.http.response import HttpResponseBase


class ConsoleLoginView(LoginView):
    template_name = "console/login.html"
    form_class = AuthenticationForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):  # type: ignore[no-untyped-def]
        context = super().get_context_data(**kwargs)
        context["sso"] = bool(settings.OIDC_RP_CLIENT_ID)
        context["sso_failed"] = self.request.GET.get("sso") == "failed"
        return context

    def get_default_redirect_url(self) -> str:
        return "/console/"


def login_view(request: HttpRequest) -> HttpResponseBase:
    return ConsoleLoginView.as_view()(request)


logout_view = LogoutView.as_view(next_page="/console/login/")
