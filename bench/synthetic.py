"""Synthetic organisations, people, plans and case events at any scale, for benchmarks.

`generate(preset=..., seed=..., months=..., end=...)` builds one deterministic data set
(same seed and end month: same rows) with NumPy, vectorised, and writes it in bulk:

- organisations (roots with Kolada-style municipality codes), departments and groups;
- users with memberships: caseworkers in groups, a manager per group and department,
  leadership on each root (one shared unusable password hash, or `password`);
- clients and cases (pseudonymous `K-…` references, never a personal number);
- case events following the monthly rhythm of income support: every household on support
  applies every month (application_received → decision a few days later; sometimes a
  supplementary application after that decision), new cases get
  first_meeting and plan_established, some referral → intervention_start, etablering cases
  arrival → housing_contract, rekrytering cases recruitment_order → candidate_matched, and a
  case ends with an exit and its reason;
- individual targets with named clients (most of them exit in the month they are named
  for), group EOR decisions and year goals.

Events are written through COPY: on PostgreSQL NumPy builds the binary COPY stream of a
staging table of integer codes directly (no Python object per row), and one
INSERT … SELECT turns codes into the table's text columns server-side. On SQLite the same
staging table is filled with executemany. Other tables use COPY rows (PostgreSQL) or
bulk_create/executemany (SQLite).

No `events_changed` is announced: this is a fresh load, and computing rollups is the first
step of the benchmarks (`reports.compute.recompute`).
"""

from __future__ import annotations

import datetime as dt
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management.color import no_style
from django.db import connection, transaction
from django.utils import timezone

from cases.models import Case, CaseEvent, CaseEventHistory, Client
from goals.demo import FIRST_NAMES, LAST_NAMES, username_for
from goals.models import (
    GroupDecision,
    Indicator,
    IndividualTarget,
    Membership,
    NamedClient,
    Unit,
    YearGoal,
)
from trelleborg.months import add_months, current_month, month_end, today
from trelleborg.vocabulary import DecisionMode, EventType, ExitReason, Program, Role, Source


@dataclass(frozen=True)
class Preset:
    organisations: int
    households: int  # households on income support in a month, all organisations together
    description: str


PRESETS: dict[str, Preset] = {
    "tiny": Preset(1, 150, "CI: one small organisation"),
    "trelleborg": Preset(1, 700, "one municipality, the demo's shape (Trelleborg)"),
    "city": Preset(1, 17_500, "a large city: about 25 × Trelleborg"),
    "national": Preset(290, 100_000, "every municipality in Sweden"),
}

MEAN_SPELL_MONTHS = 8  # mean months on support (geometric)
HOUSEHOLDS_PER_CASEWORKER = 28
CASEWORKERS_PER_GROUP = 5
GROUPS_PER_DEPARTMENT = 6

# Kolada municipality codes are county (2 digits) + municipality (2 digits); the number of
# municipalities per county is Sweden's (290 in all).
COUNTIES = {
    1: 26, 3: 8, 4: 9, 5: 13, 6: 13, 7: 8, 8: 12, 9: 1, 10: 5, 12: 33, 13: 6, 14: 49,
    17: 16, 18: 12, 19: 10, 20: 15, 21: 10, 22: 7, 23: 8, 24: 15, 25: 14,
}  # fmt: skip
TRELLEBORG = "1287"

# Codes used in the staging table (index into these tuples).
TYPES = tuple(EventType.values)
REASONS = ("",) + tuple(ExitReason.values)
PROGRAMS = tuple(Program.values)
MODES = ("",) + tuple(DecisionMode.values)
T = {name: i for i, name in enumerate(TYPES)}

PLANNED_ACTIONS = (
    "Matchning mot ledig tjänst hos arbetsgivare i kommunen",
    "Praktik med handledare, uppföljning varje vecka",
    "Anmälan till yrkesutbildning på Komvux",
    "Jobbcoachning två gånger i veckan",
    "CV och personligt brev tillsammans med handläggaren",
    "Anställning med lönestöd, kontakt med Arbetsförmedlingen",
    "Studievägledning inför antagningen",
    "Trepartssamtal med arbetsgivare och klient",
)
RATIONALES = (
    "Gruppen bedömer att de namngivna klienterna är nära arbete, och att två till kan nås.",
    "Färre namngivna än förra månaden, men tre anställningar är klara att påbörjas.",
    "Vi satsar på studiestarten och höjer målet över summan av de individuella målen.",
    "Semesterperiod: vi sätter målet något lägre än summan av de individuella målen.",
)


def municipality_codes(count: int) -> list[str]:
    """`count` distinct Kolada-style codes (fixed, whatever the seed), Trelleborg's first."""
    rng = np.random.default_rng(1287)
    codes: list[str] = []
    for county, n in COUNTIES.items():
        numbers = {80}  # the county seat's number (0180 Stockholm, 1280 Malmö, …)
        if county == 12:
            numbers.add(87)
        pool = [k for k in range(14, 100) if k not in numbers]
        numbers.update(int(k) for k in rng.choice(pool, size=n - len(numbers), replace=False))
        codes.extend(f"{county:02d}{k:02d}" for k in sorted(numbers))
    codes.remove(TRELLEBORG)
    return [TRELLEBORG, *codes][:count]


# --- generation (pure NumPy) -----------------------------------------------------------------


@dataclass
class Organisation:
    code: str
    households: int
    departments: int
    groups: int
    caseworkers: int


@dataclass
class Plan:
    """Everything generated, as arrays and small lists, before anything is written."""

    first_month: dt.date
    months: int
    organisations: list[Organisation]
    # per group (global group index): organisation index, department index or -1
    group_org: np.ndarray
    group_dept: np.ndarray
    dept_org: np.ndarray
    # per caseworker: group index
    caseworker_group: np.ndarray
    # per case: organisation, group, caseworker, program code
    case_org: np.ndarray
    case_group: np.ndarray
    case_caseworker: np.ndarray
    case_program: np.ndarray
    # per event (sorted by day): case, type, day offset from first_month, reason, mode
    ev_case: np.ndarray
    ev_type: np.ndarray
    ev_day: np.ndarray
    ev_reason: np.ndarray
    ev_mode: np.ndarray
    # named clients: (caseworker, month index, case) ; targets per (caseworker, month)
    named_caseworker: np.ndarray
    named_month: np.ndarray
    named_case: np.ndarray
    target_caseworker: np.ndarray
    target_month: np.ndarray
    target_value: np.ndarray


def _split_households(rng: np.random.Generator, total: int, count: int) -> np.ndarray:
    """Households per organisation: heavy-tailed like Sweden's municipalities, min 30."""
    if count == 1:
        return np.array([total])
    weights = rng.lognormal(mean=0.0, sigma=1.1, size=count)
    raw = np.maximum(30, np.floor(weights / weights.sum() * total)).astype(np.int64)
    raw[np.argmax(raw)] += total - raw.sum()
    return raw


def build_plan(*, preset: Preset, seed: int, months: int, end: dt.date) -> Plan:
    rng = np.random.default_rng(seed)
    first = add_months(end, -(months - 1))
    codes = municipality_codes(preset.organisations)
    households = _split_households(rng, preset.households, preset.organisations)

    orgs: list[Organisation] = []
    group_org, group_dept, dept_org, cw_group = [], [], [], []
    for o, (code, h) in enumerate(zip(codes, households, strict=True)):
        caseworkers = max(2, round(h / HOUSEHOLDS_PER_CASEWORKER))
        groups = max(1, math.ceil(caseworkers / CASEWORKERS_PER_GROUP))
        departments = math.ceil(groups / GROUPS_PER_DEPARTMENT) if groups > 3 else 0
        first_dept = len(dept_org)
        dept_org.extend([o] * departments)
        first_group = len(group_org)
        for g in range(groups):
            group_org.append(o)
            group_dept.append(first_dept + g % departments if departments else -1)
        cw_group.extend(first_group + (np.arange(caseworkers) % groups))
        orgs.append(Organisation(code, int(h), departments, groups, caseworkers))
    group_org_a = np.array(group_org, dtype=np.int64)
    cw_group_a = np.array(cw_group, dtype=np.int64)
    org_cw_start = np.cumsum([0] + [o.caseworkers for o in orgs])

    # Cases: the stock on support at the start, then a Poisson inflow every month that keeps
    # the stock steady (inflow = stock / mean spell).
    h = households.astype(np.float64)
    inflow = rng.poisson(np.repeat(h[:, None] / MEAN_SPELL_MONTHS, months - 1, axis=1))
    stock_org = np.repeat(np.arange(len(orgs)), households)
    new_org = np.repeat(np.repeat(np.arange(len(orgs)), months - 1), inflow.ravel())
    new_start = np.repeat(np.tile(np.arange(1, months), len(orgs)), inflow.ravel())
    case_org = np.concatenate([stock_org, new_org])
    case_start = np.concatenate([np.zeros(len(stock_org), np.int64), new_start])
    is_new = np.concatenate([np.zeros(len(stock_org), bool), np.ones(len(new_org), bool)])
    n_cases = len(case_org)
    duration = rng.geometric(1 / MEAN_SPELL_MONTHS, size=n_cases)
    case_end = case_start + duration - 1  # the month of the exit (may be beyond the window)
    n_cw = (org_cw_start[1:] - org_cw_start[:-1])[case_org]
    case_cw = org_cw_start[case_org] + (rng.random(n_cases) * n_cw).astype(np.int64)
    case_group = cw_group_a[case_cw]
    case_program = rng.choice(
        [PROGRAMS.index(p) for p in ("forsorjningsstod", "etablering", "rekrytering")],
        size=n_cases,
        p=[0.87, 0.10, 0.03],
    ).astype(np.int64)

    # Day offsets of every month's first day from the window's first day.
    month_starts = np.array(
        [(add_months(first, m) - first).days for m in range(months + 1)], dtype=np.int64
    )
    month_len = np.diff(month_starts)
    last_day = (min(month_end(end), today()) - first).days

    def day_in(month_idx: np.ndarray, offset: np.ndarray) -> np.ndarray:
        return month_starts[month_idx] + np.minimum(offset, month_len[month_idx] - 1)

    parts: list[tuple[np.ndarray, ...]] = []

    def add(case: np.ndarray, typ: int, day: np.ndarray, reason=None, mode=None) -> None:
        zeros = np.zeros(len(case), np.int64)
        parts.append(
            (
                case,
                np.full(len(case), typ),
                day,
                zeros if reason is None else reason,
                zeros if mode is None else mode,
            )
        )

    # Monthly application and decision for every active month of every case.
    active_last = np.minimum(case_end, months - 1)
    spans = active_last - case_start + 1
    am_case = np.repeat(np.arange(n_cases), spans)
    am_month = case_start[am_case] + (
        np.arange(spans.sum()) - np.repeat(np.cumsum(spans) - spans, spans)
    )
    app_day = day_in(am_month, rng.integers(0, 22, size=len(am_case)))
    add(am_case, T["application_received"], app_day)
    lead = np.round(rng.gamma(2.0, 3.5, size=len(am_case))).astype(np.int64)
    modes = rng.choice([1, 2, 3], size=len(am_case), p=[0.8, 0.15, 0.05])
    add(am_case, T["decision"], app_day + lead, mode=modes)

    # A supplementary application (extra ansökan) in about one month in seven.
    extra = rng.random(len(am_case)) < 0.15
    # after the month's decision, so that each application pairs with its own decision
    extra_day = app_day[extra] + lead[extra] + rng.integers(1, 10, size=extra.sum())
    add(am_case[extra], T["application_received"], extra_day)
    extra_lead = np.round(rng.gamma(2.0, 3.5, size=extra.sum())).astype(np.int64)
    add(am_case[extra], T["decision"], extra_day + extra_lead, mode=modes[extra])

    # New cases: first meeting and plan; some a referral and (usually) its intervention.
    new = np.flatnonzero(is_new)
    meet = month_starts[case_start[new]] + rng.integers(1, 25, size=len(new))
    add(new, T["first_meeting"], meet)
    add(new, T["plan_established"], meet + rng.integers(5, 30, size=len(new)))
    referred = new[rng.random(len(new)) < 0.4]
    ref_month = np.minimum(
        case_start[referred] + rng.geometric(0.5, len(referred)) - 1, active_last[referred]
    )
    ref_day = day_in(ref_month, rng.integers(0, 28, size=len(referred)))
    add(referred, T["referral"], ref_day)
    started = rng.random(len(referred)) < 0.85
    add(
        referred[started],
        T["intervention_start"],
        ref_day[started] + np.round(rng.gamma(2.0, 7.0, size=started.sum())).astype(np.int64),
    )
    # Programme-specific pairs.
    etab = new[case_program[new] == PROGRAMS.index("etablering")]
    arrive = month_starts[case_start[etab]] + rng.integers(0, 28, size=len(etab))
    add(etab, T["arrival"], arrive)
    housed = rng.random(len(etab)) < 0.7
    add(
        etab[housed],
        T["housing_contract"],
        arrive[housed] + np.round(rng.gamma(3.0, 40.0, size=housed.sum())).astype(np.int64),
    )
    recr = new[case_program[new] == PROGRAMS.index("rekrytering")]
    order = month_starts[case_start[recr]] + rng.integers(0, 28, size=len(recr))
    add(recr, T["recruitment_order"], order)
    matched = rng.random(len(recr)) < 0.8
    add(
        recr[matched],
        T["candidate_matched"],
        order[matched] + np.round(rng.gamma(2.0, 10.0, size=matched.sum())).astype(np.int64),
    )
    # Exits, in the case's last month, after that month's application.
    exited = np.flatnonzero(case_end <= months - 1)
    exit_day = day_in(case_end[exited], rng.integers(10, 31, size=len(exited)))
    reason = rng.choice(
        [REASONS.index(r) for r in ("work", "studies", "other_benefit", "moved", "other")],
        size=len(exited),
        p=[0.34, 0.11, 0.22, 0.15, 0.18],
    )
    add(exited, T["exit"], exit_day, reason=reason)

    ev_case, ev_type, ev_day, ev_reason, ev_mode = (
        np.concatenate(c) for c in zip(*parts, strict=True)
    )
    keep = ev_day <= last_day  # nothing in the future
    order_ = np.argsort(ev_day[keep], kind="stable")  # events arrive in date order
    ev_case, ev_type, ev_day, ev_reason, ev_mode = (
        a[keep][order_] for a in (ev_case, ev_type, ev_day, ev_reason, ev_mode)
    )

    # Named clients: most counted exits were named by their caseworker for their month,
    # some a month too early; each caseworker's target is about their named count.
    is_exit = (ev_type == T["exit"]) & np.isin(
        ev_reason, [REASONS.index("work"), REASONS.index("studies")]
    )
    x_case = ev_case[is_exit]
    x_month = np.searchsorted(month_starts, ev_day[is_exit], side="right") - 1
    on_time = rng.random(len(x_case)) < 0.6
    early = (~on_time) & (rng.random(len(x_case)) < 0.4) & (x_month - 1 >= case_start[x_case])
    named_case = np.concatenate([x_case[on_time], x_case[early]])
    named_month = np.concatenate([x_month[on_time], x_month[early] - 1])
    named_cw = case_cw[named_case]
    n_cw_total = len(cw_group_a)
    counts = np.zeros((n_cw_total, months), np.int64)
    np.add.at(counts, (named_cw, named_month), 1)
    noise = rng.integers(-1, 2, size=counts.shape)
    target_value = np.maximum(0, counts + noise)
    t_cw, t_month = np.nonzero(np.ones_like(counts, bool))

    return Plan(
        first_month=first,
        months=months,
        organisations=orgs,
        group_org=group_org_a,
        group_dept=np.array(group_dept, dtype=np.int64),
        dept_org=np.array(dept_org, dtype=np.int64),
        caseworker_group=cw_group_a,
        case_org=case_org,
        case_group=case_group,
        case_caseworker=case_cw,
        case_program=case_program,
        ev_case=ev_case,
        ev_type=ev_type,
        ev_day=ev_day,
        ev_reason=ev_reason,
        ev_mode=ev_mode,
        named_caseworker=named_cw,
        named_month=named_month,
        named_case=named_case,
        target_caseworker=t_cw,
        target_month=t_month,
        target_value=target_value[t_cw, t_month],
    )


# --- writing ---------------------------------------------------------------------------------


def _is_postgres() -> bool:
    return connection.vendor == "postgresql"


def copy_rows(table: str, columns: Sequence[str], rows) -> int:
    """COPY rows (tuples) into `table` on PostgreSQL; executemany elsewhere."""
    cols = ", ".join(columns)
    count = 0
    with connection.cursor() as cursor:
        if _is_postgres():
            with cursor.cursor.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
                    count += 1
            return count
        marks = ", ".join(["%s"] * len(columns))
        sql = f"INSERT INTO {table} ({cols}) VALUES ({marks})"  # noqa: S608 (names are ours)
        batch: list = []
        for row in rows:
            batch.append(row)
            if len(batch) >= 5_000:
                cursor.executemany(sql, batch)
                count += len(batch)
                batch = []
        if batch:
            cursor.executemany(sql, batch)
            count += len(batch)
    return count


def _binary_copy(cursor, table: str, columns: Sequence[tuple[str, np.ndarray, str]]) -> None:
    """COPY … (FORMAT BINARY) built by NumPy: one structured array per chunk, no Python
    object per row. `columns`: (name, values, '>i2' | '>i4' | '>i8'), no NULLs."""
    n = len(columns[0][1])
    fields = [("n", ">i2")]
    for name, _values, kind in columns:
        fields += [(f"l_{name}", ">i4"), (name, kind)]
    dtype = np.dtype(fields)
    names = ", ".join(name for name, _v, _k in columns)
    with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN (FORMAT BINARY)") as copy:
        copy.write(b"PGCOPY\n\xff\r\n\x00" + b"\x00" * 8)
        for start in range(0, n, 1_000_000):
            stop = min(n, start + 1_000_000)
            block = np.empty(stop - start, dtype=dtype)
            block["n"] = len(columns)
            for name, values, kind in columns:
                block[f"l_{name}"] = np.dtype(kind).itemsize
                block[name] = values[start:stop]
            copy.write(block.tobytes())
        copy.write(b"\xff\xff")


def _case_sql(column: str, values: Sequence[str]) -> str:
    whens = " ".join(f"WHEN {i} THEN '{v}'" for i, v in enumerate(values))
    return f"CASE {column} {whens} END"


def has_data() -> bool:
    return Unit.objects.exists() or CaseEvent.objects.exists() or get_user_model().objects.exists()


def clear() -> None:
    """Remove every organisation, person, case and event (and what hangs on them)."""
    if _is_postgres():
        tables = [
            Unit._meta.db_table,
            Client._meta.db_table,
            Case._meta.db_table,
            CaseEvent._meta.db_table,
            CaseEventHistory._meta.db_table,
            get_user_model()._meta.db_table,
        ]
        with connection.cursor() as cursor:
            # Deferred foreign-key checks pending in this transaction would block TRUNCATE.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
        return
    CaseEventHistory.objects.all().delete()
    CaseEvent.objects.all().delete()
    Case.objects.all().delete()
    Client.objects.all().delete()
    Unit.objects.update(parent=None)  # parent is PROTECT: unhook the tree first
    Unit.objects.all().delete()  # the collector cascades to goals' and reports' rows
    get_user_model().objects.all().delete()


@dataclass
class Written:
    units: int = 0
    users: int = 0
    cases: int = 0
    events: int = 0
    targets: int = 0
    named: int = 0
    decisions: int = 0
    seconds: dict[str, float] | None = None


def write(
    plan: Plan, *, password: str | None = None, log: Callable[[str], None] = print
) -> Written:
    out = Written(seconds={})
    clock = time.monotonic()

    def lap(name: str) -> None:
        nonlocal clock
        now = time.monotonic()
        out.seconds[name] = round(now - clock, 2)
        log(f"    {name}: {now - clock:.1f} s")
        clock = now

    now = timezone.now()
    # Units: roots, departments, groups (three bulk inserts, paths computed here).
    roots = Unit.objects.bulk_create(
        [
            Unit(
                code=f"k{o.code}",
                name=f"Arbetsmarknadsförvaltningen {o.code}",
                path=f"/k{o.code}/",
                municipality_code=o.code,
            )
            for o in plan.organisations
        ]
    )
    depts = Unit.objects.bulk_create(
        [
            Unit(
                code=f"k{plan.organisations[o].code}-avd{local + 1}",
                name=f"Avdelning {local + 1}",
                parent=roots[o],
                path=f"{roots[o].path}k{plan.organisations[o].code}-avd{local + 1}/",
            )
            for o, local in zip(
                plan.dept_org.tolist(), _local_index(plan.dept_org).tolist(), strict=True
            )
        ]
    )
    group_local = _local_index(plan.group_org)
    groups = []
    for g, o in enumerate(plan.group_org):
        parent = depts[plan.group_dept[g]] if plan.group_dept[g] >= 0 else roots[o]
        code = f"k{plan.organisations[o].code}-grp{group_local[g] + 1}"
        groups.append(
            Unit(
                code=code,
                name=f"Grupp {group_local[g] + 1}",
                parent=parent,
                path=f"{parent.path}{code}/",
            )
        )
    groups = Unit.objects.bulk_create(groups)
    out.units = len(roots) + len(depts) + len(groups)
    lap("units")

    # People: caseworkers, a manager per group and department, leadership per root.
    User = get_user_model()
    hashed = make_password(password) if password else make_password(None)
    rng = np.random.default_rng(len(plan.caseworker_group))
    people: list[tuple[str, Unit]] = (
        [(Role.CASEWORKER, groups[g]) for g in plan.caseworker_group]
        + [(Role.MANAGER, u) for u in groups + depts]
        + [(Role.LEADERSHIP, u) for u in roots]
    )
    firsts = rng.integers(0, len(FIRST_NAMES), size=len(people))
    lasts = rng.integers(0, len(LAST_NAMES), size=len(people))
    users = User.objects.bulk_create(
        [
            User(
                username=f"{username_for(FIRST_NAMES[f], LAST_NAMES[la])}.{i + 1}",
                first_name=FIRST_NAMES[f],
                last_name=LAST_NAMES[la],
                email=f"{username_for(FIRST_NAMES[f], LAST_NAMES[la])}.{i + 1}@synthetic.example",
                password=hashed,
                date_joined=now,
            )
            for i, (f, la) in enumerate(zip(firsts, lasts, strict=True))
        ],
        batch_size=2_000,
    )
    Membership.objects.bulk_create(
        [
            Membership(user=u, unit=unit, role=role)
            for u, (role, unit) in zip(users, people, strict=True)
        ],
        batch_size=2_000,
    )
    out.users = len(users)
    cw_ids = np.array([u.pk for u in users[: len(plan.caseworker_group)]], dtype=np.int64)
    manager_of_group = {groups[g].pk: users[len(cw_ids) + g] for g in range(len(groups))}
    lap("users and memberships")

    # Clients and cases: one client per case, ids assigned here (the tables are empty).
    root_ids = np.array([u.pk for u in roots], dtype=np.int64)
    group_ids = np.array([u.pk for u in groups], dtype=np.int64)
    n_cases = len(plan.case_org)
    case_ids = np.arange(1, n_cases + 1)
    case_org_id = root_ids[plan.case_org]
    case_unit_id = group_ids[plan.case_group]
    case_cw_id = cw_ids[plan.case_caseworker]
    refs = [f"K-{i:07d}" for i in range(1, n_cases + 1)]
    copy_rows(
        Client._meta.db_table,
        ("id", "organisation_id", "ref", "created_at"),
        zip(case_ids.tolist(), case_org_id.tolist(), refs, [now] * n_cases, strict=True),
    )
    copy_rows(
        Case._meta.db_table,
        (
            "id",
            "organisation_id",
            "case_number",
            "client_id",
            "unit_id",
            "caseworker_id",
            "program",
            "created_at",
        ),
        zip(
            case_ids.tolist(),
            case_org_id.tolist(),
            [f"A-{i:07d}" for i in range(1, n_cases + 1)],
            case_ids.tolist(),
            case_unit_id.tolist(),
            case_cw_id.tolist(),
            [PROGRAMS[p] for p in plan.case_program.tolist()],
            [now] * n_cases,
            strict=True,
        ),
    )
    out.cases = n_cases
    lap("clients and cases")

    out.events = _write_events(plan, case_org_id, case_unit_id, now)
    lap("events")

    # The monthly cycle: targets, named clients, decisions, year goals.
    month_dates = [add_months(plan.first_month, m) for m in range(plan.months)]
    cw_unit = group_ids[plan.caseworker_group]
    t_unit = cw_unit[plan.target_caseworker]
    t_cw = cw_ids[plan.target_caseworker]
    copy_rows(
        IndividualTarget._meta.db_table,
        ("unit_id", "caseworker_id", "month", "target", "updated_at"),
        zip(
            t_unit.tolist(),
            t_cw.tolist(),
            [month_dates[m] for m in plan.target_month.tolist()],
            plan.target_value.tolist(),
            [now] * len(t_cw),
            strict=True,
        ),
    )
    out.targets = len(t_cw)
    target_ids = {
        (unit_id, cw_id, month): pk
        for pk, unit_id, cw_id, month in IndividualTarget.objects.values_list(
            "pk", "unit_id", "caseworker_id", "month"
        )
    }
    named_rng = np.random.default_rng(n_cases)
    actions = named_rng.integers(0, len(PLANNED_ACTIONS), size=len(plan.named_case))
    named_rows = {}
    for case, cw, m, a in zip(
        plan.named_case.tolist(),
        plan.named_caseworker.tolist(),
        plan.named_month.tolist(),
        actions.tolist(),
        strict=True,
    ):
        target = target_ids[(int(cw_unit[cw]), int(cw_ids[cw]), month_dates[m])]
        named_rows[(target, refs[case])] = PLANNED_ACTIONS[a]
    copy_rows(
        NamedClient._meta.db_table,
        ("target_id", "client_ref", "planned_action", "carried_over", "created_at"),
        ((t, ref, action, False, now) for (t, ref), action in named_rows.items()),
    )
    out.named = len(named_rows)
    sums = np.zeros((len(groups), plan.months), np.int64)
    np.add.at(
        sums, (plan.caseworker_group[plan.target_caseworker], plan.target_month), plan.target_value
    )
    factors = named_rng.uniform(0.85, 1.2, size=sums.shape)
    rationale = named_rng.integers(0, len(RATIONALES), size=sums.shape)
    # Synthetic groups count exits: their EORs are on `avslut` (goals 0005).
    avslut_id = Indicator.objects.get(code="avslut").pk
    decisions = [
        (
            int(group_ids[g]),
            month_dates[m],
            avslut_id,
            1,
            int(round(sums[g, m] * factors[g, m])),
            RATIONALES[rationale[g, m]],
            "",
            "",
            manager_of_group[int(group_ids[g])].pk,
            now,
        )
        for g in range(len(groups))
        for m in range(plan.months)
    ]
    copy_rows(
        GroupDecision._meta.db_table,
        (
            "unit_id",
            "month",
            "indicator_id",
            "version",
            "target",
            "rationale",
            "guests",
            "revision_reason",
            "decided_by_id",
            "decided_at",
        ),
        decisions,
    )
    out.decisions = len(decisions)
    _year_goals(plan, roots, groups, sums, now)
    lap("targets, named clients, decisions, year goals")

    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), [Client, Case]):
            cursor.execute(sql)
        if _is_postgres():
            cursor.execute(f"ANALYZE {CaseEvent._meta.db_table}")
            cursor.execute(f"ANALYZE {Case._meta.db_table}")
    lap("sequences and statistics")
    return out


def _local_index(owner: np.ndarray) -> np.ndarray:
    """For items listed by owner: each item's index among its owner's items."""
    out = np.zeros(len(owner), np.int64)
    seen: dict[int, int] = {}
    for i, o in enumerate(owner.tolist()):
        out[i] = seen.get(o, 0)
        seen[o] = out[i] + 1
    return out


def _write_events(plan: Plan, case_org_id, case_unit_id, now) -> int:
    n = len(plan.ev_case)
    org = case_org_id[plan.ev_case]
    unit = case_unit_id[plan.ev_case]
    program = plan.case_program[plan.ev_case]
    seq = np.arange(1, n + 1)
    stage = "synthetic_event_stage"
    first = plan.first_month
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {stage}")
        cursor.execute(
            f"""CREATE TEMPORARY TABLE {stage} (seq bigint, case_id integer, org_id integer,
                unit_id integer, typ smallint, day integer, reason smallint, mode smallint,
                program smallint)"""
        )
        columns = [
            ("seq", seq, ">i8"),
            ("case_id", plan.ev_case + 1, ">i4"),
            ("org_id", org, ">i4"),
            ("unit_id", unit, ">i4"),
            ("typ", plan.ev_type, ">i2"),
            ("day", plan.ev_day, ">i4"),
            ("reason", plan.ev_reason, ">i2"),
            ("mode", plan.ev_mode, ">i2"),
            ("program", program, ">i2"),
        ]
        recreate: list[str] = []
        if _is_postgres():
            _binary_copy(cursor, stage, columns)
            day = "%(first)s::date + s.day"
            recreate = _fast_load(cursor, CaseEvent._meta.db_table)
        else:
            rows = zip(*(values.tolist() for _name, values, _kind in columns), strict=True)
            copy_rows(stage, [name for name, _v, _k in columns], rows)
            day = "date(%(first)s, '+' || s.day || ' days')"
        cursor.execute(
            f"""INSERT INTO {CaseEvent._meta.db_table}
                (organisation_id, event_id, case_id, unit_id, event_type, occurred_on, reason,
                 program, decision_mode, source, recorded_by_id, recorded_at, updated_at)
                SELECT s.org_id, 'S' || s.seq, s.case_id, s.unit_id, {_case_sql("s.typ", TYPES)},
                       {day}, {_case_sql("s.reason", REASONS)}, {_case_sql("s.program", PROGRAMS)},
                       {_case_sql("s.mode", MODES)}, %(source)s, NULL, %(now)s, %(now)s
                FROM {stage} s ORDER BY s.seq""",  # noqa: S608 (only our constants)
            {
                "first": first.isoformat() if not _is_postgres() else first,
                "source": Source.DEMO,
                "now": now,
            },
        )
        cursor.execute(f"DROP TABLE {stage}")
        for sql in recreate:
            cursor.execute(sql)
    return n


def _fast_load(cursor, table: str) -> list[str]:
    """Bulk-load practice on an empty table, inside this transaction: drop the secondary
    indexes (rebuilt once afterwards, about 4x faster than maintaining them row by row) and,
    as a superuser, skip the per-row foreign-key triggers (the ids were generated from the
    rows written just before). Returns the statements that recreate the indexes."""
    cursor.execute(
        """SELECT i.indexname, i.indexdef FROM pg_indexes i
            WHERE i.tablename = %s AND i.schemaname = current_schema()
              AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)""",
        [table],
    )
    indexes = cursor.fetchall()
    for name, _definition in indexes:
        cursor.execute(f'DROP INDEX "{name}"')
    cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
    if cursor.fetchone()[0]:
        cursor.execute("SET LOCAL session_replication_role = replica")
    cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
    return [definition for _name, definition in indexes] + [
        "SET LOCAL session_replication_role = DEFAULT"
    ]


def _year_goals(plan: Plan, roots, groups, sums, now) -> None:
    """Groups: an absolute exit goal a bit above their yearly targets; roots: relative to the
    first whole year (factor 1.2) for every later year."""
    indicator = Indicator.objects.filter(code="avslut").first()
    if indicator is None:
        return
    years = sorted({add_months(plan.first_month, m).year for m in range(plan.months)})
    goals = []
    for g, unit in enumerate(groups):
        for year in years:
            idx = [m for m in range(plan.months) if add_months(plan.first_month, m).year == year]
            goals.append(
                YearGoal(
                    unit=unit,
                    indicator=indicator,
                    year=year,
                    target=int(sums[g, idx].sum() * 1.1) + 1,
                    updated_at=now,
                )
            )
    for root in roots:
        for year in years[1:]:
            goals.append(
                YearGoal(
                    unit=root,
                    indicator=indicator,
                    year=year,
                    baseline_year=years[0],
                    factor="1.2",
                    updated_at=now,
                )
            )
    YearGoal.objects.bulk_create(goals, batch_size=2_000)


def generate(
    *,
    preset: str,
    seed: int = 1,
    months: int = 36,
    end: dt.date | None = None,
    password: str | None = None,
    replace: bool = False,
    log: Callable[[str], None] = print,
) -> Written:
    """Generate and write a preset. Refuses (ValueError) when the database holds data and
    `replace` is False."""
    if preset not in PRESETS:
        raise ValueError(f"unknown preset {preset!r}; choose from {', '.join(PRESETS)}")
    if months < 2:
        raise ValueError("months must be at least 2")
    end = (end or current_month()).replace(day=1)
    if end > current_month():
        raise ValueError("the end month may not be in the future")
    started = time.monotonic()
    plan = build_plan(preset=PRESETS[preset], seed=seed, months=months, end=end)
    log(
        f"    generated in {time.monotonic() - started:.1f} s: {len(plan.case_org)} cases, {len(plan.ev_case)} events"
    )
    with transaction.atomic():
        if has_data():
            if not replace:
                raise ValueError("the database already holds data; use --replace to remove it")
            clear()
        return write(plan, password=password, log=log)
