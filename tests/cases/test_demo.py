"""The cases demo step: two believable years, deterministic, pseudonymous."""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter, defaultdict

import pytest

from cases.models import Case, CaseEvent, Client
from cases.validators import looks_like_personal_number
from goals.demo import run_demo
from trelleborg.months import add_months, month_of

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 11, 23)


@pytest.fixture
def demo():
    run_demo(password=None, log=lambda _msg: None, today=TODAY)


def full_months():
    first = add_months(month_of(TODAY), -23)
    return [add_months(first, n) for n in range(23)]  # the current month is partial


def per_month(qs):
    return Counter(month_of(d) for d in qs.values_list("occurred_on", flat=True))


def durations(start: str, end: str, first_year: bool) -> list[int]:
    starts: dict[int, dt.date] = {}
    out = []
    boundary = add_months(month_of(TODAY), -11)
    for case_id, event_type, day in (
        CaseEvent.objects.filter(event_type__in=[start, end])
        .order_by("case_id", "occurred_on", "id")
        .values_list("case_id", "event_type", "occurred_on")
    ):
        if event_type == start:
            starts[case_id] = day
        elif case_id in starts and (day < boundary) == first_year:
            out.append((day - starts.pop(case_id)).days)
    return out


def test_demo_events_are_believable(demo):
    events = CaseEvent.objects.all()
    assert not events.filter(occurred_on__gt=TODAY).exists()
    assert events.filter(occurred_on__lt=add_months(month_of(TODAY), -23)).count() == 0
    # Everything is the demo's own load but the one late exit logged from the page, which
    # corrects a closed month (cases.demo.correction_step): the demo's only restated month.
    assert set(events.values_list("source", flat=True)) == {"demo", "page"}
    assert events.filter(source="page").count() == 1
    from goals.models import MonthCorrection, MonthFollowUp

    restated = MonthFollowUp.objects.filter(restated=True)
    assert restated.count() == 1 and restated.get().unit.code == "grupp-norr"
    assert MonthCorrection.objects.filter(unit__code="grupp-norr", source="Sida").count() == 1

    applications = per_month(
        events.filter(
            event_type="application_received", program__in=["forsorjningsstod", "etablering"]
        )
    )
    assert all(300 <= applications[m] <= 400 for m in full_months()), applications

    exits = per_month(events.counting_exits())
    counts = [exits[m] for m in full_months()]
    assert all(20 <= c <= 60 for c in counts), counts
    best, runner_up = sorted(counts)[-2:][::-1]
    assert best >= runner_up + 5  # one clear record month

    # active households (applied in the month) stay between 350 and 500
    active = defaultdict(set)
    for case_id, day in (
        events.filter(event_type="application_received")
        .exclude(program__in=["bosattning", "ensamkommande", "rekrytering"])
        .values_list("case_id", "occurred_on")
    ):
        active[month_of(day)].add(case_id)
    for month in full_months()[1:]:
        households = len(active[month]) / 0.84
        assert 330 <= households <= 520, (month, households)

    for start, end in [
        ("application_received", "decision"),
        ("referral", "intervention_start"),
        ("arrival", "housing_contract"),
        ("recruitment_order", "candidate_matched"),
    ]:
        first = statistics.median(durations(start, end, True))
        second = statistics.median(durations(start, end, False))
        assert second < first * 0.9, (start, first, second)

    modes = Counter(events.filter(event_type="decision").values_list("decision_mode", flat=True))
    assert modes["automated"] > 0 and modes["assisted"] > 0 and modes["manual"] > modes["automated"]


def test_demo_is_pseudonymous_and_cases_have_caseworkers(demo):
    refs = list(Client.objects.values_list("ref", flat=True))
    assert refs and all(ref.startswith("K-") for ref in refs)
    assert not any(looks_like_personal_number(ref) for ref in refs)
    assert not Case.objects.filter(caseworker__isnull=True).exists()
    assert Case.objects.filter(unit__code="grupp-norr", caseworker__username="anna.lind").exists()
