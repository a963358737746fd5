"""htmx partials that `cases` serves to goals' pages (DESIGN.md "Architecture": a lower app's
page composes a higher app's answer through a partial, never by importing it).

ended_named: the named clients of a unit's month who already reached their end (an exit
dated before the month), for the group meeting ("to get out" in January, exited in December).
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from goals.access import CLIENT_ROLES, get_unit_for_user
from goals.models import NamedClient
from trelleborg import accesslog
from trelleborg.months import parse_month

from .goals_hooks import ended_refs


@login_required
@require_GET
def ended_named(request: HttpRequest, unit_code: str, month: str) -> HttpResponse:
    unit = get_unit_for_user(request.user, unit_code, roles=CLIENT_ROLES)
    try:
        m = parse_month(month)
    except ValueError:
        raise Http404("Not a month") from None
    named = list(
        NamedClient.objects.filter(target__unit=unit, target__month=m)
        .select_related("target__caseworker")
        .order_by("client_ref")
    )
    ended = ended_refs(unit, {c.client_ref for c in named}, m)
    rows = [(c, ended[c.client_ref]) for c in named if c.client_ref in ended]
    accesslog.log_read(request, kind="named_clients", records=[c for c, _d in rows], unit=unit)
    context = {"unit": unit, "month": m, "rows": rows}
    if request.headers.get("HX-Request") == "true":
        return render(request, "cases/_ended_named.html", context)
    # Without htmx (the no-JS link): the same fragment in a page.
    title = _("Namngivna klienter som redan har avslutats")
    return render(
        request,
        "cases/partial_page.html",
        {**context, "partial_template": "cases/_ended_named.html", "page_title": title},
    )
