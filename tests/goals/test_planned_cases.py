"""Plans for a lead-time EOR: the open cases a caseworker will bring to their end event in
the month (DESIGN.md "The monthly cycle", point 2), answered by the real cases app."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from goals import hooks
from goals.models import GroupDecision, Indicator, IndividualTarget, PlannedCase
from tests.factories import CaseEventFactory, CaseFactory, ClientFactory
from tests.goals.conftest import APRIL, MARCH, plan_post

pytestmark = pytest.mark.django_db


def plan_url(month="2026-04"):
    return reverse("goals:plan", args=["unit-a", month])


def cases_post(rows, *, target=0, indicator="utredningstid"):
    data = plan_post(target, [])
    data.update(
        {
            "cases-TOTAL_FORMS": str(len(rows)),
            "cases-INITIAL_FORMS": "0",
            "cases-MIN_NUM_FORMS": "0",
            "cases-MAX_NUM_FORMS": "50",
        }
    )
    for i, (ref, action) in enumerate(rows):
        data[f"cases-{i}-indicator"] = indicator
        data[f"cases-{i}-case_ref"] = ref
        data[f"cases-{i}-planned_action"] = action
    return data


def _case(org, unit, number, events):
    case = CaseFactory(
        unit=org[unit],
        case_number=number,
        client=ClientFactory(organisation=org["root"], ref=f"K-{number[-1]}00"),
    )
    for kind, day in events:
        CaseEventFactory(case=case, event_type=kind, occurred_on=day)
    return case


@pytest.fixture
def lead_unit(org, maria):
    """Unit A committed on utredningstid in March; cases with open and closed starts."""
    GroupDecision.objects.create(
        unit=org["a"],
        month=MARCH,
        indicator=Indicator.objects.get(code="utredningstid"),
        target=Decimal(7),
        rationale="Halvera utredningstiden",
        decided_by=maria,
    )
    _case(org, "a", "FS-1", [("application_received", dt.date(2026, 2, 20))])
    _case(
        org,
        "a",
        "FS-2",
        [
            ("application_received", dt.date(2026, 2, 1)),
            ("decision", dt.date(2026, 2, 10)),
        ],
    )
    _case(org, "b", "FS-3", [("application_received", dt.date(2026, 2, 15))])
    _case(org, "a", "FS-4", [("application_received", dt.date(2026, 1, 5))])
    return org


@pytest.fixture
def as_alice(client, alice, today, lead_unit):
    client.force_login(alice)
    return client


def test_open_cases_are_the_unpaired_starts_in_scope_oldest_first(alice, lead_unit, today):
    indicator = Indicator.objects.get(code="utredningstid")
    found = hooks.open_cases(alice, lead_unit["a"], indicator, dt.date(2026, 3, 10))
    assert [(c.ref, c.started_on) for c in found] == [
        ("FS-4", dt.date(2026, 1, 5)),
        ("FS-1", dt.date(2026, 2, 20)),
    ]
    assert found[0].waited == (dt.date(2026, 3, 10) - dt.date(2026, 1, 5)).days


def test_plan_page_lists_the_open_cases(as_alice):
    body = as_alice.get(plan_url()).content.decode()
    assert 'data-testid="planned-cases"' in body
    assert body.index("FS-4") < body.index("FS-1")
    assert ">FS-2<" not in body and ">FS-3<" not in body and 'FS-3"' not in body


def test_plan_accepts_an_open_case_in_scope(as_alice, alice):
    response = as_alice.post(plan_url(), cases_post([("FS-1", "Ringer klienten om underlag")]))
    assert response.status_code == 302
    planned = PlannedCase.objects.get(target__caseworker=alice, target__month=APRIL)
    assert (planned.case_ref, planned.started_on, planned.indicator.code) == (
        "FS-1",
        dt.date(2026, 2, 20),
        "utredningstid",
    )
    assert "Ringer klienten om underlag" in as_alice.get(plan_url()).content.decode()


@pytest.mark.parametrize(
    "ref",
    ["FS-3", "FS-2", "FS-999"],
    ids=["out-of-scope", "already-ended", "unknown"],
)
def test_plan_refuses_a_case_out_of_scope_or_ended_and_keeps_the_rest(as_alice, ref):
    response = as_alice.post(
        plan_url(),
        cases_post([("FS-1", "Begär komplettering"), (ref, "Fattar beslut")], target=3),
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert f"Ärende 2 ({ref})" in body
    assert "inget öppet ärende med det numret" in body
    # Nothing is written; the rest of the input is kept on the page.
    assert not IndividualTarget.objects.exists() and not PlannedCase.objects.exists()
    assert "Begär komplettering" in body and 'value="FS-1"' in body
    assert 'value="3"' in body


def test_plan_refuses_a_lead_time_indicator_the_unit_did_not_commit_on(as_alice):
    response = as_alice.post(
        plan_url(), cases_post([("FS-1", "Matchar")], indicator="ledtid_rekrytering")
    )
    assert response.status_code == 200
    assert "inget EOR på en ledtid" in response.content.decode()
    assert not PlannedCase.objects.exists()


def test_a_unit_without_a_lead_time_eor_shows_no_case_rows(client, alice, org, today):
    client.force_login(alice)
    assert 'data-testid="planned-cases"' not in client.get(plan_url()).content.decode()


def test_meeting_shows_each_caseworkers_planned_cases_and_flags_ended(
    as_alice, alice, client, maria, lead_unit
):
    assert as_alice.post(plan_url(), cases_post([("FS-1", "Begär underlag")])).status_code == 302
    # FS-1 gets its decision before April: the meeting says it already reached its end.
    CaseEventFactory(
        case=lead_unit["a"].cases.get(case_number="FS-1"),
        event_type="decision",
        occurred_on=dt.date(2026, 3, 9),
    )
    client.force_login(maria)
    body = client.get(reverse("goals:meeting", args=["unit-a", "2026-04"])).content.decode()
    assert 'data-testid="meeting-planned-cases"' in body
    assert "FS-1" in body and "Begär underlag" in body
    assert 'data-testid="planned-count">1<' in body
    assert "har redan nått sitt slut (2026-03-09)" in body


def test_meeting_marks_a_planned_case_that_reached_its_end_in_the_month(
    client, alice, maria, lead_unit, today
):
    client.force_login(alice)
    assert (
        client.post(
            reverse("goals:plan", args=["unit-a", "2026-03"]), cases_post([("FS-4", "Beslut")])
        ).status_code
        == 302
    )
    CaseEventFactory(
        case=lead_unit["a"].cases.get(case_number="FS-4"),
        event_type="decision",
        occurred_on=dt.date(2026, 3, 9),
    )
    client.force_login(maria)
    body = client.get(reverse("goals:meeting", args=["unit-a", "2026-03"])).content.decode()
    assert "nådde sitt slut (2026-03-09)" in body
    assert "har redan nått sitt slut" not in body


def test_leadership_never_sees_planned_cases(client, org, lead_unit, alice, lena, today):
    client.force_login(alice)
    client.post(plan_url(), cases_post([("FS-1", "Begär underlag")]))
    assert PlannedCase.objects.exists()
    client.force_login(lena)
    response = client.get(reverse("goals:meeting", args=["org", "2026-04"]))
    assert "FS-1" not in response.content.decode()
    assert client.get(reverse("goals:meeting", args=["unit-a", "2026-04"])).status_code == 404


def test_followup_gives_the_lead_time_plans_hit_rate(client, alice, maria, lead_unit, today):
    client.force_login(alice)
    assert (
        client.post(
            reverse("goals:plan", args=["unit-a", "2026-03"]),
            cases_post([("FS-4", "Beslut"), ("FS-1", "Begär underlag")]),
        ).status_code
        == 302
    )
    CaseEventFactory(
        case=lead_unit["a"].cases.get(case_number="FS-4"),
        event_type="decision",
        occurred_on=dt.date(2026, 3, 9),
    )
    client.force_login(maria)
    body = client.get(reverse("goals:followup", args=["unit-a", "2026-03"])).content.decode()
    assert "1 av 2 planerade ärenden nådde sitt slut under månaden." in body


def test_my_day_lists_the_months_planned_cases_with_their_status(client, alice, lead_unit, today):
    client.force_login(alice)
    assert (
        client.post(
            reverse("goals:plan", args=["unit-a", "2026-03"]),
            cases_post([("FS-4", "Beslut"), ("FS-1", "Begär underlag")]),
        ).status_code
        == 302
    )
    CaseEventFactory(
        case=lead_unit["a"].cases.get(case_number="FS-4"),
        event_type="decision",
        occurred_on=dt.date(2026, 3, 9),
    )
    body = client.get(reverse("cases:my_day")).content.decode()
    assert 'data-testid="day-planned-cases"' in body
    assert "Nått sitt slut 2026-03-09" in body
    assert "Öppet, väntat 18 dagar" in body  # FS-1 started 2026-02-20, today 2026-03-10


def test_open_and_planned_cases_shown_are_access_logged(as_alice, client, maria):
    from audit.models import AccessRecordItem

    assert as_alice.post(plan_url(), cases_post([("FS-1", "Begär underlag")])).status_code == 302
    as_alice.get(plan_url())
    # FS-4's client (K-400) is only listed as an open case on the plan page.
    assert AccessRecordItem.objects.filter(client_ref="K-400", object_type="opencase").exists()
    client.force_login(maria)
    client.get(reverse("goals:meeting", args=["unit-a", "2026-04"]))
    assert AccessRecordItem.objects.filter(
        object_type="plannedcase", record__path__contains="gruppmote"
    ).exists()


def test_admin_shows_a_plans_cases_read_only(as_alice, admin_client):
    assert as_alice.post(plan_url(), cases_post([("FS-1", "Begär underlag")])).status_code == 302
    plan = IndividualTarget.objects.get()
    body = admin_client.get(
        reverse("admin:goals_individualtarget_change", args=[plan.pk])
    ).content.decode()
    assert "FS-1" in body and "Begär underlag" in body
    assert 'name="planned_cases-0-case_ref"' not in body  # read-only: no input


def test_a_planned_case_that_reached_its_end_stays_when_the_plan_is_saved_again(
    as_alice, alice, lead_unit
):
    assert as_alice.post(plan_url(), cases_post([("FS-1", "Begär underlag")])).status_code == 302
    CaseEventFactory(
        case=lead_unit["a"].cases.get(case_number="FS-1"),
        event_type="decision",
        occurred_on=dt.date(2026, 3, 9),
    )
    # Saved again (a new target): the ended case is kept, a new ended one is refused.
    response = as_alice.post(plan_url(), cases_post([("FS-1", "Begär underlag")], target=2))
    assert response.status_code == 302
    assert PlannedCase.objects.get().case_ref == "FS-1"
    assert IndividualTarget.objects.get().target == 2


def test_posted_case_numbers_are_looked_up_together_and_a_control_character_is_refused(
    as_alice, alice, django_assert_max_num_queries
):
    """One lookup for all the rows (not one per row), and a number no case could carry (a
    NUL byte, which PostgreSQL refuses even as a parameter) is a clear refusal, not a 500."""
    as_alice.post(plan_url(), cases_post([("FS-1", "Begär komplettering")]))
    PlannedCase.objects.all().delete()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        as_alice.post(plan_url(), cases_post([("FS-1", "Begär komplettering")]))
    PlannedCase.objects.all().delete()
    with CaptureQueriesContext(connection) as two:
        as_alice.post(
            plan_url(), cases_post([("FS-1", "Begär komplettering"), ("FS-4", "Beslutar")])
        )
    assert PlannedCase.objects.count() == 2
    # The second row adds its own insert, not another lookup.
    assert len(two.captured_queries) == len(one.captured_queries) + 1

    PlannedCase.objects.all().delete()
    response = as_alice.post(plan_url(), cases_post([("FS-1\x00", "Beslutar")]))
    assert response.status_code == 200 and not PlannedCase.objects.exists()
    body = response.content.decode()
    assert "Null-tecken är inte tillåtna" in body
