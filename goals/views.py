"""Pages of the monthly EOR cycle: the caseworker's plan, the group meeting, the follow-up,
year goals and manual values. Every unit is loaded through goals.access (404 when out of
reach); every write goes through goals.services."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists, OuterRef
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from trelleborg import accesslog, months
from trelleborg.vocabulary import Role

from . import hooks, services
from .access import (
    caseworker_units,
    get_unit_for_user,
    managed_units,
    membership_units,
    visible_units,
    year_goal_units,
)
from .forms import (
    DecisionForm,
    EvaluationForm,
    ManualValueForm,
    NamedClientFormSet,
    PlanForm,
    PlannedCaseFormSet,
    YearGoalForm,
)
from .models import (
    CycleChange,
    GroupDecision,
    Indicator,
    IndividualTarget,
    ManualValue,
    Membership,
    MonthFollowUp,
    PlannedCase,
    Unit,
    YearGoal,
)

MANAGER = (Role.MANAGER,)
CASEWORKER = (Role.CASEWORKER,)


def _month_nav(month: dt.date) -> dict:
    return {
        "month": month,
        "month_str": months.format_month(month),
        "prev_month": months.format_month(months.add_months(month, -1)),
        "next_month": months.format_month(months.add_months(month, 1)),
    }


def _apply_errors(form, error: ValidationError) -> None:
    """Put a service's ValidationError on the form, on the field it names where possible."""
    for field, messages_ in error.message_dict.items():
        form.add_error(field if field in form.fields else None, messages_)


@login_required
def home(request: HttpRequest) -> HttpResponse:
    memberships = Membership.objects.filter(user=request.user).select_related("unit")
    return render(
        request,
        "home.html",
        {
            "memberships": memberships,
            "units": visible_units(request.user).exists(),
            "todo": services.todo_for(user=request.user),
            "reminder_day": _reminder_day(),
        },
    )


def _reminder_day() -> int:
    from django.conf import settings

    return settings.EOR_REMINDER_DAY


# --- The caseworker's plan ------------------------------------------------------------------


def _first_unit(units, request_path_kind: str) -> Unit:
    unit = units.order_by("path").first()
    if unit is None:
        raise Http404(f"No unit for {request_path_kind}")
    return unit


@login_required
def plan_start(request: HttpRequest) -> HttpResponse:
    """Next month's plan in the caseworker's first unit (the plan is made before the month)."""
    unit = _first_unit(caseworker_units(request.user), "plan")
    upcoming = months.add_months(months.current_month(), 1)
    return redirect("goals:plan", unit_code=unit.code, month=months.format_month(upcoming))


def _plan_formset_data(post, prefix: str = "clients") -> dict:
    """A copy of the posted formset with one more (blank) row: the no-JS "add row" path."""
    data = post.copy()
    try:
        total = int(data.get(f"{prefix}-TOTAL_FORMS") or 0)
    except ValueError:  # a tampered management form: let the formset report it
        return data
    data[f"{prefix}-TOTAL_FORMS"] = str(max(0, min(total + 1, 50)))
    return data


def _case_rows(formset, lead_indicators) -> list[tuple[str, str, str]]:
    """(indicator code, case number, action) of the filled planned-case rows; a row without
    an indicator is on the unit's only lead-time indicator."""
    only = lead_indicators[0].code if len(lead_indicators) == 1 else ""
    return [
        (
            f.cleaned_data.get("indicator") or only,
            f.cleaned_data["case_ref"],
            f.cleaned_data.get("planned_action", ""),
        )
        for f in formset.forms
        if f.cleaned_data
        and not f.cleaned_data.get("DELETE")
        and f.cleaned_data.get("case_ref", "").strip()
    ]


def _cases_post(post):
    """The posted planned-case rows; a plan page without them (no lead-time EOR, or an old
    form) posts none, which is an empty formset rather than a tampered one."""
    if "cases-TOTAL_FORMS" in post:
        return post
    data = post.copy()
    data.update({"cases-TOTAL_FORMS": "0", "cases-INITIAL_FORMS": "0"})
    return data


def _row_ref(form) -> str:
    return (form["client_ref"].value() or "").strip()


@login_required
@require_http_methods(["GET", "POST"])
def plan(request: HttpRequest, unit_code: str, month: dt.date) -> HttpResponse:
    unit = get_unit_for_user(request.user, unit_code, roles=CASEWORKER)
    existing = (
        IndividualTarget.objects.for_unit_month(unit, month)
        .of_caseworker(request.user)
        .prefetch_related("named_clients")
        .first()
    )
    month_error = services.plan_month_error(unit=unit, month=month)
    lead_indicators = services.plan_lead_indicators(unit=unit, month=month)
    prefilled = False
    if request.method == "POST" and "add_row" in request.POST:
        form = PlanForm(request.POST)
        formset = NamedClientFormSet(_plan_formset_data(request.POST), prefix="clients")
        case_formset = PlannedCaseFormSet(_cases_post(request.POST), prefix="cases")
    elif request.method == "POST" and "add_case_row" in request.POST:
        form = PlanForm(request.POST)
        formset = NamedClientFormSet(request.POST, prefix="clients")
        case_formset = PlannedCaseFormSet(
            _plan_formset_data(_cases_post(request.POST), "cases"), prefix="cases"
        )
    elif request.method == "POST":
        form = PlanForm(request.POST)
        formset = NamedClientFormSet(request.POST, prefix="clients")
        case_formset = PlannedCaseFormSet(_cases_post(request.POST), prefix="cases")
        if form.is_valid() and formset.is_valid() and case_formset.is_valid():
            rows = [
                f.cleaned_data
                for f in formset.forms
                if f.cleaned_data
                and not f.cleaned_data.get("DELETE")
                and f.cleaned_data.get("client_ref", "").strip()
            ]
            try:
                services.plan_save(
                    unit=unit,
                    caseworker=request.user,
                    month=month,
                    target=form.cleaned_data["target"],
                    clients=[(r["client_ref"], r["planned_action"]) for r in rows],
                    carried_over=[r["client_ref"].strip() for r in rows if r.get("carried_over")],
                    cases=_case_rows(case_formset, lead_indicators),
                    by=request.user,
                )
            except ValidationError as error:
                _apply_errors(form, error)
            except PermissionDenied as denied:
                form.add_error(None, str(denied))
            else:
                messages.success(request, _("Planen är sparad."))
                return redirect("goals:plan", unit_code=unit.code, month=month)
    else:
        if existing is not None:
            initial_target = existing.target
            rows = [
                {
                    "client_ref": c.client_ref,
                    "planned_action": c.planned_action,
                    "carried_over": c.carried_over,
                }
                for c in existing.named_clients.all()
            ]
        else:
            rows = [
                {**row, "carried_over": True}
                for row in services.plan_prefill(unit=unit, caseworker=request.user, month=month)
            ]
            prefilled = bool(rows)
            initial_target = len(rows)
        form = PlanForm(initial={"target": initial_target})
        formset = NamedClientFormSet(initial=rows + [{}], prefix="clients")
        case_rows = [
            {
                "indicator": c.indicator.code,
                "case_ref": c.case_ref,
                "planned_action": c.planned_action,
            }
            for c in (existing.planned_cases.select_related("indicator") if existing else [])
        ]
        case_formset = PlannedCaseFormSet(
            initial=case_rows + ([{}] if lead_indicators else []), prefix="cases"
        )
    in_force = GroupDecision.objects.for_unit_month(unit, month).in_force()
    decision = in_force[0] if in_force else None
    # "5", or "Utredningstid (ansökan → beslut) 7" for an EOR that is not a count of exits.
    decision_text = ", ".join(
        str(d.eor) if d.indicator.kind == Indicator.Kind.EXITS else f"{d.indicator} {d.eor}"
        for d in in_force
    )
    _flag_ended(unit, month, formset.forms, ref=_row_ref)
    context = {
        "unit": unit,
        **_month_nav(month),
        "form": form,
        "decision_text": decision_text,
        "formset": formset,
        "plan": existing,
        "month_error": month_error,
        "prefilled": prefilled,
        "decision": decision,
        "history": CycleChange.objects.for_month(unit, month)
        .filter(kind=CycleChange.Kind.PLAN, subject=request.user)
        .select_related("changed_by"),
        "suggestions": hooks.client_refs_in_unit(unit, 200) if not month_error else [],
        "units": caseworker_units(request.user),
        "case_formset": case_formset,
        "lead_indicators": lead_indicators,
        # The open cases the caseworker may name, oldest first, per lead-time indicator.
        "open_cases": [
            (i, hooks.open_cases(request.user, unit, i, months.today(), limit=30))
            for i in lead_indicators
        ]
        if not month_error
        else [],
    }
    shown = [f.initial.get("client_ref") for f in formset.forms if f.initial.get("client_ref")]
    accesslog.log_read(
        request,
        kind="named_clients",
        records=[
            *(existing.named_clients.all() if existing else shown),
            *context["suggestions"],
            # The open cases listed and the ones the plan names (by case, with its client).
            *(c for _indicator, cases in context["open_cases"] for c in cases),
            *(existing.planned_cases.all() if existing else []),
        ],
        unit=unit,
    )
    if request.htmx and ("add_row" in request.POST or "add_case_row" in request.POST):
        return render(request, "goals/_plan_form.html", context)
    return render(request, "goals/plan.html", context)


# --- The group meeting ----------------------------------------------------------------------


@login_required
def meeting_start(request: HttpRequest) -> HttpResponse:
    """The meeting is held before the month it decides: default to next month."""
    unit = _first_unit(managed_units(request.user), "meeting")
    upcoming = months.add_months(months.current_month(), 1)
    return redirect("goals:meeting", unit_code=unit.code, month=months.format_month(upcoming))


def _meeting_rows(
    unit: Unit, month: dt.date, people: list[Membership] | None = None
) -> tuple[list[dict], int]:
    """Every caseworker of the unit with their plan (or none yet), and the sum of targets."""
    plans = {
        p.caseworker_id: p
        for p in IndividualTarget.objects.for_unit_month(unit, month)
        .with_clients()
        # Whether the plan names open cases (a lead-time EOR): asked in the same query, so
        # a meeting without planned cases costs no query for them.
        .annotate(has_cases=Exists(PlannedCase.objects.filter(target=OuterRef("pk"))))
    }
    if people is None:
        people = services.unit_people(unit=unit)
    caseworkers = {
        m.user_id: m.user for m in people if m.unit_id == unit.pk and m.role == Role.CASEWORKER
    }
    for plan in plans.values():
        caseworkers.setdefault(plan.caseworker_id, plan.caseworker)
    rows = [
        {"caseworker": user, "plan": plans.get(pk)}
        for pk, user in sorted(
            caseworkers.items(), key=lambda kv: kv[1].get_full_name() or kv[1].username
        )
    ]
    return rows, sum(p.target for p in plans.values())


def _flag_ended(unit: Unit, month: dt.date, items, ref=lambda item: item.client_ref) -> None:
    """Mark named clients who already reached their end before `month` (an exit in an
    earlier month): `item.ended_on` = the exit's date, else None. `cases` answers through
    goals.hooks (goals does not import cases); one call for all the items."""
    items = list(items)
    ended = hooks.ended_refs(unit, {ref(item) for item in items if ref(item)}, month)
    for item in items:
        item.ended_on = ended.get(ref(item))


def _planned_cases(unit: Unit, month: dt.date, rows: list[dict]) -> list[dict]:
    """Per caseworker with a plan naming open cases (a lead-time EOR): the planned cases,
    each flagged with the end its start reached (`ended_on`) and whether that was before
    the month (`ended_before`: "har redan nått sitt slut"). Staff only; one query when a plan
    names cases (`has_cases`, asked with the plans), plus one call to `cases` per indicator
    through goals.hooks."""
    if not any(r["plan"] and r["plan"].has_cases for r in rows):
        return []
    planned = list(
        PlannedCase.objects.filter(target__unit=unit, target__month=month).select_related(
            "indicator"
        )
    )
    if not planned:
        return []
    by_indicator: dict[int, list[PlannedCase]] = {}
    for c in planned:
        by_indicator.setdefault(c.indicator_id, []).append(c)
    for cases in by_indicator.values():
        ends = hooks.case_ends(
            unit, cases[0].indicator, [(c.case_ref, c.started_on) for c in cases]
        )
        for c in cases:
            c.ended_on = ends.get(c.case_ref)
            c.ended_before = c.ended_on is not None and c.ended_on < month
            c.ended_in_month = c.ended_on is not None and months.month_of(c.ended_on) == month
    by_target: dict[int, list[PlannedCase]] = {}
    for c in planned:
        by_target.setdefault(c.target_id, []).append(c)
    return [
        {"caseworker": r["caseworker"], "cases": by_target[r["plan"].pk]}
        for r in rows
        if r["plan"] and r["plan"].pk in by_target
    ]


def _meeting_unit(request: HttpRequest, unit_code: str) -> tuple[Unit, bool]:
    """The unit of a meeting page and whether the user sees its people and named clients:
    managers do; leadership reaches only the administration's own (root) EOR, as aggregates."""
    try:
        return get_unit_for_user(request.user, unit_code, roles=MANAGER), True
    except Http404:
        unit = get_unit_for_user(request.user, unit_code, roles=(Role.LEADERSHIP,))
        if unit.parent_id is not None:
            raise
        return unit, False


def _eor_histories(versions: list[GroupDecision]) -> list[dict]:
    """The month's EORs, one per indicator, each with its versions (newest first)."""
    by_indicator: dict[int, dict] = {}
    for v in versions:
        by_indicator.setdefault(
            v.indicator_id, {"indicator": v.indicator, "current": v, "versions": []}
        )["versions"].append(v)
    return sorted(
        by_indicator.values(),
        key=lambda e: (e["indicator"].sort_order, e["indicator"].code),
    )


@login_required
@require_http_methods(["GET", "POST"])
def meeting(request: HttpRequest, unit_code: str, month: dt.date) -> HttpResponse:
    unit, sees_people = _meeting_unit(request, unit_code)
    people = services.unit_people(unit=unit) if sees_people else []
    participants = services.participant_choices(unit=unit, people=people) if sees_people else []
    closed = MonthFollowUp.objects.filter(unit=unit, month=month, closed_at__isnull=False)
    versions = list(
        GroupDecision.objects.for_unit_month(unit, month)
        .select_related("decided_by", "indicator")
        .prefetch_related("participants")
        .annotate(
            month_closed=Exists(closed),
            # Plans changed after the decision: read below only when there are some.
            plans_changed=Exists(
                CycleChange.objects.for_month(unit, month).filter(kind=CycleChange.Kind.PLAN)
            ),
        )
        .order_by("-version")
    )
    eors = _eor_histories(versions)
    indicators = services.eor_indicators()
    by_code = {i.code: i for i in indicators}
    # The EOR being decided or revised: the one asked for, else the first decided, else exits.
    wanted = request.POST.get("indicator") or request.GET.get("indicator")
    selected = by_code.get(wanted or "") or (
        eors[0]["indicator"] if eors else by_code.get("avslut") or (indicators or [None])[0]
    )
    current = next((e["current"] for e in eors if e["indicator"] == selected), None)
    conflict = None
    if request.method == "POST":
        form = DecisionForm(request.POST, participants=participants, indicators=indicators)
        if form.is_valid():
            data = form.cleaned_data
            try:
                decision = services.decision_record(
                    unit=unit,
                    month=month,
                    indicator=form.chosen_indicator() or selected,
                    target=data["eor"],
                    rationale=data["rationale"],
                    participants=form.chosen_participants(),
                    guests=data["guests"],
                    revision_reason=data["revision_reason"],
                    seen_version=data["version"],
                    by=request.user,
                )
            except ValidationError as error:
                _apply_errors(form, error)
            except PermissionDenied as denied:
                form.add_error(None, str(denied))
            except services.DecisionConflict as clash:
                # Keep the manager's input; show what is now in force and let them decide.
                conflict = clash.current
                form.add_error(
                    None,
                    _(
                        "%(who)s sparade en annan version av beslutet medan du skrev "
                        "(EOR %(eor)s). Din text finns kvar nedan: jämför och spara igen "
                        "med ett skäl till ändringen."
                    )
                    % {
                        "who": (conflict.decided_by.get_full_name() or conflict.decided_by)
                        if conflict and conflict.decided_by
                        else _("Någon annan"),
                        "eor": conflict.eor if conflict else "–",
                    },
                )
                data = form.data.copy()
                data["version"] = str(conflict.version if conflict else 0)
                form = _rebound_decision_form(form, data, participants, indicators)
            else:
                messages.success(request, _("Gruppens EOR är sparat."))
                url = reverse("goals:meeting", args=[unit.code, months.format_month(month)])
                return redirect(f"{url}?indicator={decision.indicator.code}")
    else:
        form = DecisionForm(
            participants=participants,
            indicators=indicators,
            initial={
                "version": current.version if current else 0,
                "indicator": selected.code if selected else "",
                "eor": current.eor if current else None,
                "rationale": current.rationale if current else "",
                "participants": [p.pk for p in current.participants.all()] if current else [],
                "guests": current.guests if current else "",
            },
        )
    rows, target_sum = _meeting_rows(unit, month, people) if sees_people else ([], 0)
    planned_cases = _planned_cases(unit, month, rows) if sees_people else []
    # Asked with the decisions when there are some (one query less on the busiest page).
    month_closed = versions[0].month_closed if versions else closed.exists()
    exit_eor = next(
        (e["current"] for e in eors if e["indicator"].kind == Indicator.Kind.EXITS), None
    )
    context = {
        "unit": unit,
        **_month_nav(month),
        "rows": rows,
        "sees_people": sees_people,
        "planned_cases": planned_cases,
        "target_sum": target_sum,
        "named_count": sum(len(r["plan"].named_clients.all()) for r in rows if r["plan"]),
        "decision": current,
        "selected": selected,
        "indicators": indicators,
        "eors": eors,
        "exit_eor": exit_eor,
        "difference": (exit_eor.eor - target_sum) if exit_eor else None,
        "versions": versions,
        "form": form,
        "conflict": conflict,
        "month_closed": month_closed,
        "units": membership_units(request.user, MANAGER),
        # A plan change is only kept once the month has a decision (services.plan_save).
        "plan_changes": CycleChange.objects.for_month(unit, month)
        .filter(kind=CycleChange.Kind.PLAN)
        .select_related("subject", "changed_by")
        if versions and versions[0].plans_changed and sees_people
        else [],
    }
    accesslog.log_read(
        request,
        kind="named_clients",
        records=[
            *(c for r in rows if r["plan"] for c in r["plan"].named_clients.all()),
            *(c for row in planned_cases for c in row["cases"]),
        ],
        unit=unit,
    )
    return render(request, "goals/meeting.html", context)


def _rebound_decision_form(old: DecisionForm, data, participants, indicators) -> DecisionForm:
    form = DecisionForm(data, participants=participants, indicators=indicators)
    form.is_valid()
    for error in old.non_field_errors():
        form.add_error(None, error)
    return form


# --- Follow-up ------------------------------------------------------------------------------


@login_required
def followup_start(request: HttpRequest) -> HttpResponse:
    """The follow-up is of the month just ended."""
    unit = _first_unit(managed_units(request.user), "follow-up")
    previous = months.add_months(months.current_month(), -1)
    return redirect("goals:followup", unit_code=unit.code, month=months.format_month(previous))


@login_required
@require_http_methods(["GET", "POST"])
def followup(request: HttpRequest, unit_code: str, month: dt.date) -> HttpResponse:
    unit = get_unit_for_user(request.user, unit_code, roles=MANAGER)
    record = (
        MonthFollowUp.objects.filter(unit=unit, month=month).select_related("closed_by").first()
    )
    if request.method == "POST":
        form = EvaluationForm(request.POST)
        if form.is_valid():
            try:
                services.evaluation_save(
                    unit=unit, month=month, by=request.user, **form.cleaned_data
                )
            except ValidationError as error:
                _apply_errors(form, error)
            except PermissionDenied as denied:
                form.add_error(None, str(denied))
            else:
                messages.success(request, _("Utvärderingen är sparad."))
                return redirect("goals:followup", unit_code=unit.code, month=month)
    else:
        form = EvaluationForm(
            initial={"worked": record.worked, "adjust": record.adjust} if record else None
        )
    rows, target_sum = _meeting_rows(unit, month)
    # The EOR the individual targets are compared with: the exit EOR (the others are judged
    # in the outcome partial, reports:partial_followup).
    decided = list(
        GroupDecision.objects.for_unit_month(unit, month)
        .select_related("indicator")
        .order_by("-version")
    )
    decision = next((d for d in decided if d.indicator.kind == Indicator.Kind.EXITS), None)
    named = [c.client_ref for r in rows if r["plan"] for c in r["plan"].named_clients.all()]
    # A lead-time plan's hit rate: the planned cases whose start reached its end in the month.
    planned_cases = _planned_cases(unit, month, rows)
    planned_all = [c for row in planned_cases for c in row["cases"]]
    context = {
        "planned_cases": planned_cases,
        "planned_total": len(planned_all),
        "planned_hits": sum(c.ended_in_month for c in planned_all),
        # Which named clients exited is a fact of cases, asked through the hook.
        "exited": hooks.exited_refs(unit, named, month)
        if month <= months.current_month()
        else set(),
        "unit": unit,
        **_month_nav(month),
        "record": record,
        "form": form,
        "rows": rows,
        "target_sum": target_sum,
        "decision": decision,
        "other_eors": bool(decided) and decision is None,
        "month_over": month < months.current_month(),
        "changes": CycleChange.objects.for_month(unit, month)
        .exclude(kind=CycleChange.Kind.PLAN)
        .select_related("changed_by"),
        "units": managed_units(request.user),
    }
    accesslog.log_read(request, kind="follow_up", records=named, unit=unit)
    return render(request, "goals/followup.html", context)


@login_required
@require_POST
def followup_close(request: HttpRequest, unit_code: str, month: dt.date) -> HttpResponse:
    unit = get_unit_for_user(request.user, unit_code, roles=MANAGER)
    try:
        services.followup_close(unit=unit, month=month, by=request.user)
    except ValidationError as error:
        for text in error.messages:
            messages.error(request, text)
    else:
        messages.success(request, _("Månaden är stängd."))
    return redirect("goals:followup", unit_code=unit.code, month=month)


# --- Year goals and manual values -----------------------------------------------------------


@login_required
def year_goals_start(request: HttpRequest) -> HttpResponse:
    unit = _first_unit(year_goal_units(request.user), "year goals")
    return redirect("goals:year_goals", unit_code=unit.code, year=months.today().year)


@login_required
@require_http_methods(["GET", "POST"])
def year_goals(request: HttpRequest, unit_code: str, year: int) -> HttpResponse:
    # Managers: their units; leadership: the administration (root) it reaches. 404 else.
    unit = year_goal_units(request.user).filter(code=unit_code).first()
    if unit is None:
        raise Http404("No such unit")
    if not 2000 <= year <= 2100:
        raise Http404("year out of range")
    if request.method == "POST":
        form = YearGoalForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.year_goal_save(
                    unit=unit,
                    indicator=data["indicator"],
                    year=year,
                    target=data["target"],
                    baseline_year=data["baseline_year"],
                    factor=data["factor"],
                    baseline_value=data.get("baseline_value"),
                    baseline_source=data.get("baseline_source", ""),
                    by=request.user,
                )
            except ValidationError as error:
                _apply_errors(form, error)
            else:
                messages.success(request, _("Årsmålet är sparat."))
                return redirect("goals:year_goals", unit_code=unit.code, year=year)
    else:
        form = YearGoalForm()
    goals = YearGoal.objects.filter(unit=unit, year=year).select_related("indicator", "set_by")
    context = {
        "unit": unit,
        "year": year,
        "goals": goals,
        "form": form,
        "units": year_goal_units(request.user),
        "can_manage": managed_units(request.user).filter(pk=unit.pk).exists(),
        "current_month_str": months.format_month(months.current_month()),
    }
    return render(request, "goals/year_goals.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def manual_values(request: HttpRequest, unit_code: str, month: dt.date) -> HttpResponse:
    unit = get_unit_for_user(request.user, unit_code, roles=MANAGER)
    if request.method == "POST":
        form = ManualValueForm(request.POST)
        if form.is_valid():
            try:
                services.manual_value_save(
                    unit=unit,
                    indicator=form.cleaned_data["indicator"],
                    month=month,
                    value=form.cleaned_data["value"],
                    by=request.user,
                )
            except ValidationError as error:
                _apply_errors(form, error)
            else:
                messages.success(request, _("Värdet är sparat."))
                return redirect("goals:manual_values", unit_code=unit.code, month=month)
    else:
        form = ManualValueForm()
    values = (
        ManualValue.objects.filter(unit=unit, indicator__kind=Indicator.Kind.MANUAL)
        .select_related("indicator", "entered_by")
        .order_by("-month", "indicator__sort_order")[:24]
    )
    context = {"unit": unit, **_month_nav(month), "form": form, "values": values}
    return render(request, "goals/manual_values.html", context)
