"""Request-wide context for the audit trail, and the no-store rule for client data."""

from __future__ import annotations

from collections.abc import Callable

from auditlog.middleware import AuditlogMiddleware
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.cache import add_never_cache_headers

from .net import client_ip


def request_source(request: HttpRequest) -> str:
    """Which write path a request is: admin, api, import or page (DESIGN.md's sources)."""
    if request.path_info.startswith(reverse("admin:index")):
        return "admin"
    match = getattr(request, "resolver_match", None)
    if match is not None:
        if any(ns in {"api", "integrations"} for ns in match.namespaces):
            return "api"
        if "import" in (match.url_name or ""):
            return "import"
    return "page"


class AuditContextMiddleware(AuditlogMiddleware):
    """django-auditlog's middleware (actor of every entry written during the request), with
    the client address taken the way audit.net trusts it (auditlog's own reading believes
    any X-Forwarded-For a client sends) and the write path recorded as `source`."""

    @staticmethod
    def _get_remote_addr(request: HttpRequest) -> str | None:
        return client_ip(request)

    @staticmethod
    def _get_remote_port(request: HttpRequest) -> int | None:
        return None

    def get_extra_data(self, request: HttpRequest) -> dict:
        data = super().get_extra_data(request)
        # Resolved when the entry is written: the URL is not resolved yet at this point.
        data["source"] = lambda: request_source(request)
        return data


class NoStoreMiddleware:
    """`Cache-Control: no-store` on every response a view produces for a signed-in user.

    One rule instead of a list of views: every page a signed-in user sees may show client
    data now or after the next change, and a list kept by hand is the one that gets
    forgotten. Static files never reach this middleware (WhiteNoise answers them first), so
    they stay cacheable. Anonymous responses get it too unless a view chose its own caching.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if (user is not None and user.is_authenticated) or not response.has_header("Cache-Control"):
            add_never_cache_headers(response)
        return response
