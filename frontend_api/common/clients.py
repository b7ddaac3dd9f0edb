"""Who a request comes from, as the rate limits and the login lockout count it."""

import ipaddress

from django.conf import settings
from django.http import HttpRequest
from rest_framework.request import Request


def client_ip(request: HttpRequest | Request) -> str:
    """The client's address: the peer the web server saw, or, behind NUM_PROXIES proxies
    that each append to X-Forwarded-For, the address the outermost of them saw. Entries
    further left are the client's own say and are never read."""
    remote = request.META.get("REMOTE_ADDR", "")
    proxies = settings.NUM_PROXIES
    if proxies > 0:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if hops:
            remote = hops[-min(proxies, len(hops))]
    return remote


def client_network(request: HttpRequest | Request) -> str:
    """The client's address as one counter: an IPv6 address by its prefix (a host holds a
    whole /64 and could take a fresh address per request), an IPv4-mapped one as IPv4."""
    ip = client_ip(request)
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return f"ip:{ip}"
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return f"ip:{address.ipv4_mapped}"
        prefix = settings.RATE_LIMIT_IPV6_PREFIX
        return f"ip:{ipaddress.IPv6Network(f'{address}/{prefix}', strict=False)}"
    return f"ip:{address}"


def client_subject(request: Request) -> str:
    """What a throttle counts: the user behind a token, otherwise the client's address."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    return client_network(request)
