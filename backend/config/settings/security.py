"""Headers that keep browsers safe: Content-Security-Policy, and HSTS over TLS."""

from csp.constants import NONCE, NONE, SELF

from .env import env
from .frontend import MAP_TILE_URL
from .storage import MEDIA_URL

# The origin of the map's tile server, when one is configured (scheme://host[:port]).
_TILE_ORIGIN = "/".join(MAP_TILE_URL.split("/")[:3]) if "://" in MAP_TILE_URL else ""

# Every HTML page here (the admin, the API docs, the contractors' link page, the pages mail
# links open) runs only scripts and styles of our own: files from this origin, or an inline
# block that carries the request's nonce (`request.csp_nonce`).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        # Swagger UI's icons are data: URIs in its stylesheet; photos may come from a CDN.
        "img-src": [
            SELF,
            "data:",
            *([MEDIA_URL] if "://" in MEDIA_URL else []),
            *([_TILE_ORIGIN] if _TILE_ORIGIN else []),
        ],
        "connect-src": [SELF],
        "manifest-src": [SELF],
        "worker-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# HSTS is sent only on a request that came over TLS (Django's SecurityMiddleware checks
# request.is_secure()), so the default is safe on plain-HTTP development machines too.
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)

# Behind a TLS-terminating proxy (as in docker-compose.yml): which request header says the
# client came over HTTPS, as "HEADER,value" (e.g. "HTTP_X_FORWARDED_PROTO,https"). Only set it
# when the proxy always sets or strips that header: a client could send it otherwise.
_proxy_header = env.list(
    "SECURE_PROXY_SSL_HEADER",
    default=(
        ["HTTP_X_FORWARDED_PROTO", "https"] if env.bool("BEHIND_TLS_PROXY", default=False) else []
    ),
)
SECURE_PROXY_SSL_HEADER = tuple(_proxy_header) if _proxy_header else None
if SECURE_PROXY_SSL_HEADER:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
