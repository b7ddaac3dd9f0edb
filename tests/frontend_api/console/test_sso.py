"""Single sign-on over OpenID Connect against an identity provider stood up here: a small HTTP
server on 127.0.0.1 with discovery, authorize, token, JWKS and userinfo, signing RS256 id
tokens with a key made for the test. mozilla-django-oidc talks to it over real HTTP."""

import json
import secrets
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlparse

import jwt
import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import rsa
from django.test import Client

from backend.accounts.models import User

from .conftest import console_user

pytestmark = pytest.mark.django_db

CLIENT_ID = "meldpunt-console"
CLIENT_SECRET = "geheim-van-de-test"


class Provider:
    def __init__(self) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.codes: dict[str, dict] = {}  # code -> {nonce, username}
        self.username = "anna"
        self.tokens_issued = 0
        self.base = ""

    def id_token(self, nonce: str) -> str:
        now = int(time.time())
        claims = {
            "iss": self.base,
            "aud": CLIENT_ID,
            "sub": "user-1",
            "nonce": nonce,
            "iat": now,
            "exp": now + 300,
        }
        return jwt.encode(claims, self.key, algorithm="RS256", headers={"kid": "k1"})

    def jwks(self) -> dict:
        public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key()))
        return {"keys": [{**public, "kid": "k1", "use": "sig", "alg": "RS256"}]}


def _handler(provider: Provider) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:
            pass

        def _json(self, body: dict, status: int = 200) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            url = urlparse(self.path)
            query = {k: v[0] for k, v in parse_qs(url.query).items()}
            if url.path == "/.well-known/openid-configuration":
                self._json(
                    {
                        "issuer": provider.base,
                        "authorization_endpoint": provider.base + "/authorize",
                        "token_endpoint": provider.base + "/token",
                        "userinfo_endpoint": provider.base + "/userinfo",
                        "jwks_uri": provider.base + "/jwks",
                        "id_token_signing_alg_values_supported": ["RS256"],
                    }
                )
            elif url.path == "/authorize":
                # The user signs in here (not modelled) and is sent back with a code.
                assert query["client_id"] == CLIENT_ID and query["response_type"] == "code"
                code = secrets.token_urlsafe(16)
                provider.codes[code] = {"nonce": query["nonce"], "username": provider.username}
                back = (
                    query["redirect_uri"] + "?" + urlencode({"code": code, "state": query["state"]})
                )
                self.send_response(302)
                self.send_header("Location", back)
                self.end_headers()
            elif url.path == "/jwks":
                self._json(provider.jwks())
            elif url.path == "/userinfo":
                token = self.headers.get("Authorization", "").removeprefix("Bearer ")
                username = provider.codes.get(f"access:{token}")
                if not username:
                    self._json({"error": "invalid_token"}, 401)
                    return
                self._json({"sub": "user-1", "preferred_username": username})
            else:
                self._json({"error": "not_found"}, 404)

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
            if urlparse(self.path).path != "/token":
                self._json({"error": "not_found"}, 404)
                return
            grant = provider.codes.pop(form.get("code", ""), None)
            if (
                grant is None
                or form.get("client_id") != CLIENT_ID
                or form.get("client_secret") != CLIENT_SECRET
            ):
                self._json({"error": "invalid_grant"}, 400)
                return
            access = secrets.token_urlsafe(16)
            provider.codes[f"access:{access}"] = grant["username"]  # type: ignore[assignment]
            provider.tokens_issued += 1
            self._json(
                {
                    "access_token": access,
                    "token_type": "Bearer",
                    "expires_in": 300,
                    "id_token": provider.id_token(grant["nonce"]),
                }
            )

    return Handler


@pytest.fixture
def provider(settings) -> Iterator[Provider]:
    provider = Provider()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(provider))
    provider.base = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    discovered = requests.get(provider.base + "/.well-known/openid-configuration", timeout=5).json()
    settings.OIDC_RP_CLIENT_ID = CLIENT_ID
    settings.OIDC_RP_CLIENT_SECRET = CLIENT_SECRET
    settings.OIDC_OP_AUTHORIZATION_ENDPOINT = discovered["authorization_endpoint"]
    settings.OIDC_OP_TOKEN_ENDPOINT = discovered["token_endpoint"]
    settings.OIDC_OP_USER_ENDPOINT = discovered["userinfo_endpoint"]
    settings.OIDC_OP_JWKS_ENDPOINT = discovered["jwks_uri"]
    yield provider
    server.shutdown()
    server.server_close()


def _sso(client: Client) -> str:
    """Start at the console's button, through the provider, back to the callback; where the
    console sends the browser then."""
    start = client.get("/console/sso/")
    assert start.status_code == 302
    at_provider = requests.get(start["Location"], allow_redirects=False, timeout=5)
    assert at_provider.status_code == 302
    back = urlparse(at_provider.headers["Location"])
    assert back.path == "/console/sso/callback/"
    answer = client.get(back.path + "?" + back.query)
    assert answer.status_code == 302
    return answer["Location"]


def test_the_login_page_offers_single_sign_on_only_where_configured(client, settings):
    assert 'id="sso"' not in client.get("/console/login/").content.decode()
    settings.OIDC_RP_CLIENT_ID = CLIENT_ID
    assert 'id="sso"' in client.get("/console/login/").content.decode()


def test_an_existing_user_signs_in_through_the_provider_with_their_role(provider):
    console_user("anna", User.Role.DISPATCHER)
    client = Client()
    assert _sso(client) == "/console/"
    assert provider.tokens_issued == 1
    page = client.get("/console/")
    assert page.status_code == 200 and page.context["user"].username == "anna"


def test_someone_without_an_account_gets_none(provider):
    provider.username = "onbekend"
    client = Client()
    assert _sso(client) == "/console/login/?sso=failed"
    assert not User.objects.filter(username="onbekend").exists()
    assert client.get("/console/").status_code == 302  # still signed out


def test_a_forged_state_is_refused(provider):
    console_user("anna", User.Role.DISPATCHER)
    client = Client()
    start = client.get("/console/sso/")
    at_provider = requests.get(start["Location"], allow_redirects=False, timeout=5)
    back = urlparse(at_provider.headers["Location"])
    code = parse_qs(back.query)["code"][0]
    answer = client.get(back.path + "?" + urlencode({"code": code, "state": "vervalst"}))
    assert answer.status_code in (302, 400)
    assert client.get("/console/").status_code == 302
    assert provider.tokens_issued == 0
