"""The API's call log and request size limit.

Every request under /api/ is logged (token, endpoint, method, status, number of rows, time,
remote address), refused ones included: an auditor asks who fed what into the figures.
"""

from __future__ import annotations

import ipaddress
import json
import time

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from .models import ApiCall

API_PREFIX = "/api/"


def _remote_addr(request: HttpRequest) -> str | None:
    raw = request.META.get("REMOTE_ADDR", "")
    try:
        return str(ipaddress.ip_address(raw))
    except ValueError:
        return None


def _too_large(request: HttpRequest) -> bool:
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return False
    return length > settings.EOR_API_MAX_BODY_BYTES


class ApiAuditMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(API_PREFIX):
            return self.get_response(request)
        started = time.monotonic()
        if _too_large(request):
            response = HttpResponse(
                json.dumps(
                    {
                        "detail": (
                            f"Begäran är för stor (högst {settings.EOR_API_MAX_BODY_BYTES} byte)."
                        ),
                        "errors": [],
                    }
                ),
                status=413,
                content_type="application/json",
            )
        else:
            response = self.get_response(request)
        ApiCall.objects.create(
            token=getattr(request, "api_token", None),
            method=request.method[:10],
            endpoint=request.path[:300],
            status=response.status_code,
            rows=getattr(request, "api_rows", 0),
            duration_ms=int((time.monotonic() - started) * 1000),
            remote_addr=_remote_addr(request),
        )
        return response
