"""The demo as leadership sees it: every unit's EOR judged on its own indicator in every
closed month (issue 14: "no overview row compares a unit's EOR with an indicator it did not
commit on"), Myndighet's utredningstid included, and lead-time plans naming open cases."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from goals import hooks
from goals.demo import run_demo
from goals.models import GroupDecision, MonthFollowUp, PlannedCase
from reports import judging
from trelleborg.months import format_month, month_of

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 11, 23)


@pytest.fixture
def demo():
    with time_machine.travel(dt.datetime(2026, 11, 23, 12, 0), tick=False):
        run_demo(password=None, log=lambda _msg: None, today=TODAY)
        yield


def test_every_units_eor_has_a_judged_outcome_in_every_closed_month(demo):
    closed = sorted(
        set(MonthFollowUp.objects.filter(closed_at__isnull=False).values_list("month", flat=True))
    )
    assert len(closed) >= 10
    units = {d.unit for d in GroupDecision.objects.select_related("unit")}
    assert {u.code for u in units} >= {"myndighet", "insats", "boende-bosattning", "planering"}
    unknown = []
    for unit in units:
        for month in closed:
            for j in judging.unit_eors(unit, month, today=TODAY):
                if j.status not in (judging.NATT, judging.EJ_NATT) or j.outcome is None:
                    unknown.append((unit.code, format_month(month), j.indicator.code, j.status))
    assert not unknown, unknown


def test_myndighet_owns_its_utredningstid_and_the_groups_keep_their_exits(demo):
    from cases.models import CaseEvent

    myndighet = CaseEvent.objects.filter(unit__code="myndighet")
    assert set(myndighet.values_list("event_type", flat=True)) == {
        "application_received",
        "decision",
    }
    assert not CaseEvent.objects.filter(event_type="exit", unit__code="myndighet").exists()
    month = max(
        MonthFollowUp.objects.filter(unit__code="myndighet", closed_at__isnull=False).values_list(
            "month", flat=True
        )
    )
    (j,) = judging.unit_eors(myndighet.first().unit, month, today=TODAY)
    assert j.indicator.code == "utredningstid" and j.n >= 20


def test_leadership_overview_shows_no_unknown_outcome_for_closed_months(demo, client):
    from django.contrib.auth import get_user_model

    client.force_login(get_user_model().objects.get(username="karin.ek"))
    months_closed = sorted(
        set(
            MonthFollowUp.objects.filter(
                unit__code="myndighet", closed_at__isnull=False
            ).values_list("month", flat=True)
        )
    )
    for month in (months_closed[0], months_closed[-1]):
        response = client.get(reverse("reports:overview"), {"month": format_month(month)})
        assert response.status_code == 200
        rows = [r for r in response.context["rows"] if r.eors]
        assert {r.unit.code for r in rows} >= {"myndighet", "insats", "boende-bosattning"}
        for row in rows:
            for j in row.eors:
                assert j.status in (judging.NATT, judging.EJ_NATT), (row.unit.code, j.text)
        assert "Okänt" not in response.content.decode()


def test_lead_time_units_caseworkers_plan_open_cases(demo):
    for code in ("myndighet", "insats", "boende-bosattning"):
        planned = PlannedCase.objects.filter(target__unit__code=code)
        assert planned.exists(), code
        assert all(p.indicator.kind == "lead_time" for p in planned)
        # The plans were made from the open cases of the time: many reach their end in
        # their month (the lead-time plan's hit rate is neither nothing nor everything).
        past = planned.filter(target__month__lt=dt.date(2026, 10, 1)).select_related(
            "target__unit", "indicator"
        )
        first = past.first()
        ends = hooks.case_ends(
            first.target.unit, first.indicator, [(p.case_ref, p.started_on) for p in past]
        )
        hits = sum(
            1 for p in past if p.case_ref in ends and month_of(ends[p.case_ref]) == p.target.month
        )
        assert 0 < hits < len(past), (code, hits, len(past))


def test_a_myndighet_caseworker_plans_open_investigations(demo, client):
    from goals.models import Membership

    member = (
        Membership.objects.filter(unit__code="myndighet", role="caseworker")
        .select_related("user")
        .first()
    )
    client.force_login(member.user)
    body = client.get(reverse("goals:plan", args=["myndighet", "2026-12"])).content.decode()
    assert 'data-testid="planned-cases"' in body and 'data-testid="open-cases"' in body
    assert "MY-" in body
    manager = Membership.objects.filter(unit__code="myndighet", role="manager").first().user
    client.force_login(manager)
    body = client.get(reverse("goals:meeting", args=["myndighet", "2026-11"])).content.decode()
    assert 'data-testid="meeting-planned-cases"' in body
