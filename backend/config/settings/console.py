"""The dispatchers' console (/console/): its sign-in, and single sign-on where configured."""

from .env import env

# Anonymous visitors of a console page are sent here (django.contrib.auth's redirect).
LOGIN_URL = "/console/login/"
LOGIN_REDIRECT_URL = "/console/"
LOGOUT_REDIRECT_URL = "/console/login/"

# Single sign-on over OpenID Connect (mozilla-django-oidc), on when a client id is set. The
# provider's endpoints are given one by one, as the package takes them; the user must exist
# already (an administrator creates them with a role and department), matched by username
# (OIDC_USERNAME_CLAIM, default `preferred_username`), so a login never grants a role.
OIDC_RP_CLIENT_ID = env.str("OIDC_RP_CLIENT_ID", default="")
OIDC_RP_CLIENT_SECRET = env.str("OIDC_RP_CLIENT_SECRET", default="")
OIDC_RP_SIGN_ALGO = env.str("OIDC_RP_SIGN_ALGO", default="RS256")
OIDC_RP_SCOPES = env.str("OIDC_RP_SCOPES", default="openid email profile")
OIDC_OP_AUTHORIZATION_ENDPOINT = env.str("OIDC_OP_AUTHORIZATION_ENDPOINT", default="")
OIDC_OP_TOKEN_ENDPOINT = env.str("OIDC_OP_TOKEN_ENDPOINT", default="")
OIDC_OP_USER_ENDPOINT = env.str("OIDC_OP_USER_ENDPOINT", default="")
OIDC_OP_JWKS_ENDPOINT = env.str("OIDC_OP_JWKS_ENDPOINT", default="")
OIDC_USERNAME_CLAIM = env.str("OIDC_USERNAME_CLAIM", default="preferred_username")
OIDC_CREATE_USER = False
OIDC_AUTHENTICATION_CALLBACK_URL = "console-oidc-callback"
# Back to the sign-in form, which says single sign-on did not work.
LOGIN_REDIRECT_URL_FAILURE = "/console/login/?sso=failed"
