"""The caseworker's pages: Mina ärenden, a case and its timeline, logging exits and events,
registering a case, and the event import for managers and administrators.

Every page works without JavaScript (forms post, links have href); htmx swaps the named
partial of the same template (`_case_rows.html`, `_timeline.html`, `_exit_form.html`, …).
"""

from __future__ import annotations

import json
from contextlib import nullcontext
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_http_methods

from goals.access import CLIENT_ROLES, client_units, is_admin
from trelleborg import accesslog
from trelleborg.vocabulary import Source

from . import idempotency, importing, pending, services
from .access import (
    client_access_required,
    get_case_for_user,
    import_access_required,
    import_units,
)
from .forms import AmendExitForm, EventForm, ExitForm, ImportUploadForm, RegisterCaseForm
from .models import Case, CaseEvent, EventImport, ImportKind, WithdrawnEvent
from .myday import is_day_user
from .rules import Scope

PAGE_SIZE = 50
EVENTS_CHANGED = "eventsChanged"


def _hx_target(request: HttpRequest) -> str | None:
    return request.htmx.target if request.htmx else None


WHO = {"mina": _lazy("Mina ärenden"), "enheten": _lazy("Alla i mina enheter")}
STATUS = {"oppna": _lazy("Öppna"), "avslutade": _lazy("Avslutade"), "alla": _lazy("Alla")}


def _case_filters(request: HttpRequest) -> dict[str, str]:
    """The list's filters from the query string, with the defaults of the user's role: a
    caseworker starts on their own open cases, a manager or administrator on every case of
    their units (as before)."""
    caseworker = is_day_user(request.user)
    who = request.GET.get("vem", "")
    if request.GET.get("mine") == "1":  # the old checkbox's links
        who = "mina"
    status = request.GET.get("status", "")
    return {
        "q": request.GET.get("q", "").strip()[:64],
        "vem": who if who in WHO else ("mina" if caseworker else "enheten"),
        "status": status if status in STATUS else ("oppna" if caseworker else "alla"),
    }


@client_access_required
def my_cases(request: HttpRequest) -> HttpResponse:
    filters = _case_filters(request)
    cases = Case.objects.for_user(request.user).search(filters["q"]).with_latest_event()
    if filters["vem"] == "mina":
        cases = cases.assigned_to(request.user)
    if filters["status"] == "oppna":
        cases = cases.open()
    elif filters["status"] == "avslutade":
        cases = cases.closed()
    cases = cases.select_related("client", "unit", "caseworker").by_latest_activity()
    page = Paginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))
    accesslog.log_read(request, kind="case_list", records=page.object_list)
    # Every filter stays in the page links, so paging never drops back to the defaults.
    page_query = urlencode({k: v for k, v in filters.items() if v}) + "&"
    context = {
        "page": page,
        "query": filters["q"],
        "filters": filters,
        "who_choices": WHO.items(),
        "status_choices": STATUS.items(),
        "page_query": page_query,
    }
    if _hx_target(request) == "case-rows":
        return render(request, "cases/_case_rows.html", context)
    return render(request, "cases/my_cases.html", context)


def _case_context(request: HttpRequest, case: Case, **extra) -> dict:
    events = list(CaseEvent.objects.for_case(case).timeline())
    return {
        "case": case,
        "events": events,
        "amendable": {e.pk for e in events if services.may_amend(request.user, e)},
        "withdrawn": WithdrawnEvent.objects.for_case(case).select_related("withdrawn_by"),
        "exit_form": extra.pop("exit_form", None) or ExitForm(),
        "event_form": extra.pop("event_form", None) or EventForm(),
        **extra,
    }


@client_access_required
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = get_case_for_user(request.user, pk)
    accesslog.log_read(request, kind="case", records=[case])
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


def _log_on_case(
    request: HttpRequest,
    pk: int,
    *,
    form_class: type,
    form_key: str,
    partial: str,
    page: str,
    saved_message: str,
    write,
) -> HttpResponse:
    """The shared shape of "Registrera avslut" and "Registrera händelse": load the case
    through the access rule, log the read, validate, call the service `write(case, data)`,
    and answer with a fresh form (htmx) or a redirect; a refused post re-shows the form."""
    case = get_case_for_user(request.user, pk)
    accesslog.log_read(request, kind="case", records=[case])
    form = form_class(request.POST or None)

    def answer():
        return _saved(request, case, partial, {"case": case, form_key: form_class()}, saved_message)

    if request.method == "POST" and form.is_valid():
        key = form.cleaned_data["submission_key"]
        try:
            # The key and the write commit together: a refused write frees the key, and a
            # repeat of a stored form (double click, retry) writes nothing and gets the
            # first post's answer.
            with transaction.atomic() if key else nullcontext():
                if idempotency.claim(key, user=request.user):
                    write(case, form.cleaned_data)
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            return answer()
    context = {"case": case, form_key: form}
    return render(request, partial if request.htmx else page, context)


@client_access_required
@require_http_methods(["GET", "POST"])
def log_exit(request: HttpRequest, pk: int) -> HttpResponse:
    def write(case, data):
        services.exit_log(
            scope=Scope.of_user(request.user, CLIENT_ROLES),
            case=case,
            reason=data["reason"],
            occurred_on=data["occurred_on"],
            confirm=data["confirm"],
            by=request.user,
            source=Source.PAGE,
            correction_reason=data.get("correction_reason", ""),
        )

    return _log_on_case(
        request,
        pk,
        form_class=ExitForm,
        form_key="exit_form",
        partial="cases/_exit_form.html",
        page="cases/log_exit.html",
        saved_message=_("Avslutet är registrerat."),
        write=write,
    )


@client_access_required
@require_http_methods(["GET", "POST"])
def log_event(request: HttpRequest, pk: int) -> HttpResponse:
    def write(case, data):
        services.event_log(
            scope=Scope.of_user(request.user, CLIENT_ROLES),
            case=case,
            event_type=data["event_type"],
            occurred_on=data["occurred_on"],
            decision_mode=data["decision_mode"],
            by=request.user,
            source=Source.PAGE,
            correction_reason=data.get("correction_reason", ""),
        )

    return _log_on_case(
        request,
        pk,
        form_class=EventForm,
        form_key="event_form",
        partial="cases/_event_form.html",
        page="cases/log_event.html",
        saved_message=_("Händelsen är registrerad."),
        write=write,
    )


@client_access_required
@require_http_methods(["GET", "POST"])
def amend_exit(request: HttpRequest, pk: int, event_pk: int) -> HttpResponse:
    """Correct or withdraw an exit logged by mistake: the one who logged it or a manager of
    its unit (404 for everyone else, as for anything out of reach)."""
    case = get_case_for_user(request.user, pk)
    event = CaseEvent.objects.for_case(case).select_related("unit").filter(pk=event_pk).first()
    if event is None or not services.may_amend(request.user, event):
        raise Http404("No such exit")
    accesslog.log_read(request, kind="case", records=[case])
    initial = {"reason": event.reason, "occurred_on": event.occurred_on}
    form = AmendExitForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        withdraw = data["action"] == AmendExitForm.WITHDRAW
        try:
            services.exit_amend(
                event=event,
                reason=data["note"],
                by=request.user,
                withdraw=withdraw,
                occurred_on=None if withdraw else data["occurred_on"],
                exit_reason=None if withdraw else data["reason"],
                source=Source.PAGE,
                scope=Scope.of_user(request.user, CLIENT_ROLES),
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(
                request,
                _("Avslutet är återkallat.") if withdraw else _("Avslutet är rättat."),
            )
            return redirect("cases:case_detail", pk=case.pk)
    context = {"case": case, "event": event, "form": form}
    return render(request, "cases/amend_exit.html", context)


@client_access_required
@require_http_methods(["GET", "POST"])
def register_case(request: HttpRequest) -> HttpResponse:
    units = client_units(request.user).order_by("path")
    form = RegisterCaseForm(request.POST or None, units=units, user=request.user)
    if request.method == "POST":
        earlier = idempotency.stored(idempotency.posted_key(request.POST))
        if earlier is not None and earlier.redirect_to:
            messages.success(request, _("Ärendet är registrerat."))
            return redirect(earlier.redirect_to)  # stored already: the first post's answer
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        key = data["submission_key"]
        try:
            with transaction.atomic():
                if not idempotency.claim(key, user=request.user):
                    # A concurrent post of this form stored it (and has committed).
                    target = idempotency.stored(key).redirect_to
                else:
                    case = services.client_case_register(
                        unit=data["unit"],
                        client_ref=data["client_ref"],
                        case_number=data["case_number"],
                        caseworker=data["caseworker"],
                        program=data["program"],
                        by=request.user,
                        scope=Scope.of_user(request.user, CLIENT_ROLES),
                    )
                    target = reverse("cases:case_detail", kwargs={"pk": case.pk})
                    idempotency.remember_answer(key, target)
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, _("Ärendet är registrerat."))
            return redirect(target)
    return render(request, "cases/register_case.html", {"form": form})


# --- import (managers and administrators) ---------------------------------------------------


@import_access_required
@require_http_methods(["GET", "POST"])
def import_events(request: HttpRequest) -> HttpResponse:
    """Upload → preview (a dry run: counts and every error), nothing written yet."""
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    context: dict = {"form": form, "max_mb": settings.EOR_MAX_UPLOAD_BYTES // (1024 * 1024)}
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > settings.EOR_MAX_UPLOAD_BYTES:
            form.add_error("file", _("Filen är för stor."))
        else:
            upload.seek(0)
            result = importing.import_file(
                upload.file,
                source=Source.IMPORT,
                user=request.user,
                dry_run=True,
                allowed_units=import_units(request.user),
            )
            # Kept for the confirm step only when there is something to confirm.
            token = pending.store(upload, user=request.user).token.hex if result.ok else ""
            context.update(result=result, token=token, filename=upload.name)
    template = "cases/_import_preview.html" if request.htmx else "cases/import_events.html"
    return render(request, template, context)


@import_access_required
@require_http_methods(["POST"])
def import_confirm(request: HttpRequest) -> HttpResponse:
    """Write the previewed file: validated again, all or nothing."""
    waiting = pending.find(request.POST.get("token", ""), user=request.user)
    stream = pending.claim(waiting) if waiting is not None else None
    if stream is None:
        messages.error(request, _("Förhandsgranskningen har gått ut. Ladda upp filen igen."))
        return redirect("cases:import_events")
    filename = waiting.filename
    with stream:
        result = importing.import_file(
            stream,
            source=Source.IMPORT,
            user=request.user,
            dry_run=False,
            allowed_units=import_units(request.user),
            kind=ImportKind.PAGE,
            file_name=filename,
        )
    if not result.ok:
        # The data changed between preview and confirm: show what is wrong now.
        context = {"form": ImportUploadForm(), "result": result, "filename": filename}
        return render(request, "cases/import_events.html", context)
    messages.success(
        request,
        _(
            "%(file)s är importerad: %(new)d nya, %(changed)d ändrade och %(unchanged)d "
            "oförändrade händelser."
        )
        % {
            "file": filename,
            "new": result.new,
            "changed": result.changed,
            "unchanged": result.unchanged,
        },
    )
    if result.skipped:
        messages.warning(
            request,
            _(
                "%(count)d rader hoppades över: deras händelser har återkallats i EOR och "
                "importeras inte igen."
            )
            % {"count": result.skipped},
        )
    return redirect("cases:import_events")


@import_access_required
@require_http_methods(["GET"])
def import_list(request: HttpRequest) -> HttpResponse:
    """The written imports, newest first, with their counts: an administrator sees every
    import, a manager those that touched their units (and their own); caseworkers and
    leadership have no import access (404, as the upload page)."""
    imports = EventImport.objects.select_related("user")
    if not is_admin(request.user):
        touching = EventImport.objects.touching(import_units(request.user)).values("pk")
        imports = imports.filter(Q(pk__in=touching) | Q(user=request.user))
    page = Paginator(imports, 50).get_page(request.GET.get("sida"))
    return render(request, "cases/import_list.html", {"page": page})
