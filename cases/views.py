"""The caseworker's pages: Mina ärenden, a case and its timeline, logging exits and events,
registering a case, and the event import for managers and administrators.

Every page works without JavaScript (forms post, links have href); htmx swaps the named
partial of the same template (`_case_rows.html`, `_timeline.html`, `_exit_form.html`, …).
"""

from __future__ import annotations

import json
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from goals.access import client_units
from trelleborg.vocabulary import Source

from . import services
from .access import client_access_required, get_case_for_user
from .forms import EventForm, ExitForm, RegisterCaseForm
from .models import Case, CaseEvent

PAGE_SIZE = 50
EVENTS_CHANGED = "eventsChanged"


def _hx_target(request: HttpRequest) -> str | None:
    return request.htmx.target if request.htmx else None


@client_access_required
def my_cases(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:64]
    mine = request.GET.get("mine") == "1"
    cases = Case.objects.for_user(request.user).search(query)
    if mine:
        cases = cases.assigned_to(request.user)
    cases = (
        cases.with_latest_event()
        .select_related("client", "unit", "caseworker")
        .order_by("case_number", "pk")
    )
    page = Paginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))
    params = {"q": query} if query else {}
    if mine:
        params["mine"] = "1"
    page_query = urlencode(params) + "&" if params else ""
    context = {"page": page, "query": query, "mine": mine, "page_query": page_query}
    if _hx_target(request) == "case-rows":
        return render(request, "cases/_case_rows.html", context)
    return render(request, "cases/my_cases.html", context)


def _case_context(request: HttpRequest, case: Case, **extra) -> dict:
    return {
        "case": case,
        "events": CaseEvent.objects.for_case(case).timeline(),
        "exit_form": extra.pop("exit_form", None) or ExitForm(),
        "event_form": extra.pop("event_form", None) or EventForm(),
        **extra,
    }


@client_access_required
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = get_case_for_user(request.user, pk)
    context = _case_context(request, case)
    if _hx_target(request) == "timeline":
        return render(request, "cases/_timeline.html", context)
    return render(request, "cases/case_detail.html", context)


def _saved(request: HttpRequest, case: Case, template: str, context: dict, message: str):
    """After a successful log: htmx gets a fresh form and an HX-Trigger that makes the
    timeline and the case list reload themselves; without htmx, redirect (PRG)."""
    if request.htmx:
        response = render(request, template, {**context, "saved_message": message})
        response["HX-Trigger"] = json.dumps({EVENTS_CHANGED: {"case": case.pk}})
        return response
    messages.success(request, message)
    return redirect("cases:case_detail", pk=case.pk)


@client_access_required
@require_http_methods(["GET", "POST"])
def log_exit(request: HttpRequest, pk: int) -> HttpResponse:
    case = get_case_for_user(request.user, pk)
    form = ExitForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.exit_log(
                case=case,
                reason=form.cleaned_data["reason"],
                occurred_on=form.cleaned_data["occurred_on"],
                confirm=form.cleaned_data["confirm"],
                by=request.user,
                source=Source.PAGE,
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            return _saved(
                request,
                case,
                "cases/_exit_form.html",
                {"case": case, "exit_form": ExitForm()},
                _("Avslutet är registrerat."),
            )
    context = {"case": case, "exit_form": form}
    if request.htmx:
        return render(request, "cases/_exit_form.html", context)
    return render(request, "cases/log_exit.html", context)


@client_access_required
@require_http_methods(["GET", "POST"])
def log_event(request: HttpRequest, pk: int) -> HttpResponse:
    case = get_case_for_user(request.user, pk)
    form = EventForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.event_log(
                case=case,
                event_type=form.cleaned_data["event_type"],
                occurred_on=form.cleaned_data["occurred_on"],
                decision_mode=form.cleaned_data["decision_mode"],
                by=request.user,
                source=Source.PAGE,
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            return _saved(
                request,
                case,
                "cases/_event_form.html",
                {"case": case, "event_form": EventForm()},
                _("Händelsen är registrerad."),
            )
    context = {"case": case, "event_form": form}
    if request.htmx:
        return render(request, "cases/_event_form.html", context)
    return render(request, "cases/log_event.html", context)


@client_access_required
@require_http_methods(["GET", "POST"])
def register_case(request: HttpRequest) -> HttpResponse:
    units = client_units(request.user).order_by("path")
    form = RegisterCaseForm(request.POST or None, units=units, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            case = services.client_case_register(
                unit=data["unit"],
                client_ref=data["client_ref"],
                case_number=data["case_number"],
                caseworker=data["caseworker"],
                program=data["program"],
                by=request.user,
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, _("Ärendet är registrerat."))
            return redirect("cases:case_detail", pk=case.pk)
    return render(request, "cases/register_case.html", {"form": form})
