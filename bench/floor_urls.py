"""The product's URLs plus `bench/floor/`, for bench/floor_wsgi.py only (issue 16).

The floor is the least an exit POST could cost through the same settings, middleware and
gunicorn: a login-required, CSRF-checked POST that inserts one row (a FormSubmission, the
idempotency key table, so no benchmark-only table is needed) and answers a few bytes. The
exit view's cost above it is the product's own work.
"""

from __future__ import annotations

import uuid

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.views.decorators.http import require_POST

from cases.models import FormSubmission
from trelleborg.urls import *  # noqa: F403  (handlers)
from trelleborg.urls import urlpatterns as product_urlpatterns

FLOOR_PATH = "bench/floor/"


@login_required
@require_POST
def floor(request: HttpRequest) -> HttpResponse:
    FormSubmission.objects.create(key=uuid.uuid4(), user=request.user)
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [*product_urlpatterns, path(FLOOR_PATH, floor, name="bench_floor")]
