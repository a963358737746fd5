"""Min dag: the caseworker's start page (issue 15).

What a caseworker needs in the morning, on a phone: this month's individual target and the
exits so far, the named clients of their plan with their status and a one-tap "Registrera
avslut" (one tap opens the confirmation with the case and reason chosen, one confirmation
stores it through `services.exit_log`), the other exits of the month in their units, and
what is due (next month's plan).

`cases` reads `goals` (IndividualTarget, NamedClient) and never the other way round; the
start page `/` is served from here so that goals' own start page stays as it was for
everyone who is not (only) a caseworker.
"""

from __future__ import annotations

import datetime as dt
from contextlib import nullcontext
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from goals import views as goals_views
from goals.access import CLIENT_ROLES, caseworker_units, is_admin, membership_units, roles_of
from goals.models import IndividualTarget, NamedClient, PlannedCase
from trelleborg import accesslog, months
from trelleborg.vocabulary import EventType, ExitReason, Role, Source

from . import idempotency, services
from .access import get_case_for_user
from .forms import ExitForm
from .models import Case, CaseEvent
from .rules import Scope

OTHER_EXITS_SHOWN = 30

# Words in a planned action that say the client is heading for studies, not work.
_STUDY_WORDS = ("studi", "utbildning", "komvux", "skola", "folkhögskola", "sfi", "yrkesvux")


def is_day_user(user) -> bool:
    """Whether `/` is Min dag for `user`: a caseworker who neither manages nor administers
    (those keep the start page they had, with their own to-do list)."""
    roles = roles_of(user)
    return Role.CASEWORKER in roles and Role.MANAGER not in roles and not is_admin(user)


def suggested_reason(planned_action: str) -> str:
    """The exit reason to preselect for a named client: studies when the planned action
    speaks of studies, else work (the common case). The caseworker can change it."""
    text = (planned_action or "").lower()
    return ExitReason.STUDIES if any(w in text for w in _STUDY_WORDS) else ExitReason.WORK


@dataclass
class PlannedClient:
    named: NamedClient
    unit_name: str
    case: Case | None
    exit: CaseEvent | None

    @property
    def reason(self) -> str:
        return suggested_reason(self.named.planned_action)


def _cases_by_ref(user, refs: set[str]) -> dict[str, Case]:
    """For each client reference, the case to log its exit on: among the cases the user may
    see, their own before a colleague's, then the newest."""
    if not refs:
        return {}
    found: dict[str, Case] = {}
    cases = (
        Case.objects.for_user(user)
        .filter(client__ref__in=refs)
        .select_related("client", "unit")
        .order_by("-created_at", "-pk")
    )
    for case in cases:
        ref = case.client.ref
        current = found.get(ref)
        if current is None or (case.caseworker_id == user.pk and current.caseworker_id != user.pk):
            found[ref] = case
    return found


def day_context(user, *, today: dt.date | None = None) -> dict:
    """Everything Min dag shows, in a handful of queries."""
    today = today or months.today()
    month = months.month_of(today)
    upcoming = months.add_months(month, 1)
    targets = list(
        IndividualTarget.objects.filter(caseworker=user, month__in=[month, upcoming])
        .select_related("unit")
        .prefetch_related("named_clients")
        .annotate(has_cases=Exists(PlannedCase.objects.filter(target=OuterRef("pk"))))
    )
    current = [t for t in targets if t.month == month]
    named = [(t, n) for t in current for n in t.named_clients.all()]
    cases = _cases_by_ref(user, {n.client_ref for _t, n in named})
    month_exits = list(
        CaseEvent.objects.for_user(user)
        .exits()
        .in_month(month)
        .select_related("case__client", "unit", "recorded_by")
        .order_by("-occurred_on", "-id")
    )
    exit_by_client: dict[int, CaseEvent] = {}
    for event in month_exits:
        exit_by_client.setdefault(event.case.client_id, event)
    planned = []
    for target, client in named:
        case = cases.get(client.client_ref)
        exit_event = exit_by_client.get(case.client_id) if case else None
        planned.append(PlannedClient(client, target.unit.name, case, exit_event))
    planned_clients = {p.case.client_id for p in planned if p.case}
    mine = [
        e
        for e in month_exits
        if e.reason in (ExitReason.WORK, ExitReason.STUDIES)
        and (e.case.caseworker_id == user.pk or e.recorded_by_id == user.pk)
    ]
    others = [e for e in month_exits if e.case.client_id not in planned_clients]
    planned_units = {t.unit_id for t in targets if t.month == upcoming}
    due = [
        {"unit": unit, "month": upcoming, "done": unit.pk in planned_units}
        for unit in membership_units(user, (Role.CASEWORKER,))
    ]
    shown_exits = [p.exit for p in planned if p.exit] + others[:OTHER_EXITS_SHOWN]
    return {
        "amendable": {e.pk for e in shown_exits if services.may_amend(user, e)},
        "today": today,
        "month": month,
        "target": sum(t.target for t in current) if current else None,
        "exits_so_far": len(mine),
        "planned": planned,
        "other_exits": others[:OTHER_EXITS_SHOWN],
        "other_exits_more": max(0, len(others) - OTHER_EXITS_SHOWN),
        "due": due,
        "due_open": any(not item["done"] for item in due),
        "planned_cases": _planned_cases(user, [t for t in current if t.has_cases], today),
    }


@dataclass
class PlannedOpenCase:
    planned: PlannedCase
    case: Case | None
    ended_on: dt.date | None
    waited: int

    @property
    def ended_before(self) -> bool:
        return self.ended_on is not None and self.ended_on < self.planned.target.month


def _planned_cases(user, targets: list, today: dt.date) -> list[PlannedOpenCase]:
    """The open cases of this month's plans (a lead-time EOR) with their status: reached
    their end (when) or still open (days waited so far). Queries only when a plan names
    cases (`has_cases` comes with the plans)."""
    from .goals_hooks import case_ends

    if not targets:
        return []
    planned = list(
        PlannedCase.objects.filter(target__in=targets).select_related("indicator", "target__unit")
    )
    cases = {
        c.case_number: c
        for c in Case.objects.for_user(user).filter(case_number__in={p.case_ref for p in planned})
    }
    ends: dict[tuple[int, str], dt.date] = {}
    for indicator_id in {p.indicator_id for p in planned}:
        mine = [p for p in planned if p.indicator_id == indicator_id]
        found = case_ends(
            mine[0].target.unit, mine[0].indicator, [(p.case_ref, p.started_on) for p in mine]
        )
        ends.update({(indicator_id, ref): day for ref, day in found.items()})
    return [
        PlannedOpenCase(
            p,
            cases.get(p.case_ref),
            ends.get((p.indicator_id, p.case_ref)),
            (today - p.started_on).days,
        )
        for p in planned
    ]


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """`/`: Min dag for a caseworker, goals' start page for everyone else."""
    if not is_day_user(request.user):
        return goals_views.home(request)
    return my_day(request)


@login_required
def my_day(request: HttpRequest) -> HttpResponse:
    if not caseworker_units(request.user).exists():
        raise Http404("Not a caseworker")
    context = day_context(request.user)
    shown = [p.case for p in context["planned"] if p.case] + [
        e.case for e in context["other_exits"]
    ]
    shown += [p.case for p in context["planned_cases"] if p.case]
    accesslog.log_read(request, kind="case_list", records=shown)
    return render(request, "cases/my_day.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def my_day_exit(request: HttpRequest, pk: int) -> HttpResponse:
    """The confirmation behind Min dag's one tap: the case, the reason preselected (`orsak`
    in the query string), today's date; one post stores the exit (same service, rules,
    scope and idempotency key as the case page) and goes back to Min dag."""
    case = get_case_for_user(request.user, pk)
    accesslog.log_read(request, kind="case", records=[case])
    reason = request.GET.get("orsak", "")
    initial = {"reason": reason if reason in ExitReason.values else ExitReason.WORK}
    form = ExitForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic() if data["submission_key"] else nullcontext():
                if idempotency.claim(data["submission_key"], user=request.user):
                    services.exit_log(
                        scope=Scope.of_user(request.user, CLIENT_ROLES),
                        case=case,
                        reason=data["reason"],
                        occurred_on=data["occurred_on"],
                        confirm=data["confirm"],
                        by=request.user,
                        source=Source.PAGE,
                    )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(
                request,
                _("Avslutet för %(ref)s är registrerat.") % {"ref": case.client.ref},
            )
            return redirect("cases:my_day")
    template = "cases/_my_day_exit.html" if request.htmx else "cases/my_day_exit.html"
    return render(request, template, {"case": case, "form": form, "exit_type": EventType.EXIT})
