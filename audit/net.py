"""Where a request came from, the same way for the lock-out, the audit trail and the access log."""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def _valid_ip(value: str) -> str | None:
    value = value.strip()
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str | None:
    """The client's IP address.

    X-Forwarded-For is trusted only as far as EOR_TRUSTED_PROXY_COUNT says: behind N proxies
    of our own the client is the N-th address from the right (each proxy appends the address
    it saw). Anything further left is whatever the client chose to send, so it is never used;
    with no trusted proxy the header is ignored altogether.
    """
    proxies = getattr(settings, "EOR_TRUSTED_PROXY_COUNT", 0)
    if proxies > 0:
        forwarded = [
            p for p in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if p.strip()
        ]
        if len(forwarded) >= proxies:
            ip = _valid_ip(forwarded[-proxies])
            if ip:
                return ip
    return _valid_ip(request.META.get("REMOTE_ADDR", ""))
