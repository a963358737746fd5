from __future__ import annotations

import pytest
from django.urls import reverse

from goals import services
from goals.models import (
    CycleChange,
    GroupDecision,
    IndividualTarget,
    MonthCorrection,
    MonthFollowUp,
)
from tests.factories import UnitFactory
from tests.goals.conftest import APRIL, FEBRUARY, MARCH, plan_post

pytestmark = pytest.mark.django_db


def followup_url(unit="unit-a", month="2026-02"):
    return reverse("goals:followup", args=[unit, month])


def close_url(unit="unit-a", month="2026-02"):
    return reverse("goals:followup_close", args=[unit, month])


@pytest.fixture
def as_maria(client, maria, today, register):
    client.force_login(maria)
    return client


def evaluate(client, worked="Tätare uppföljning av praktik", adjust="Fler studiebesök", **extra):
    return client.post(followup_url(), {"worked": worked, "adjust": adjust, **extra})


def test_manager_writes_the_evaluation(as_maria, org):
    assert evaluate(as_maria).status_code == 302
    record = MonthFollowUp.objects.get(unit=org["a"], month=FEBRUARY)
    assert record.worked == "Tätare uppföljning av praktik"
    body = as_maria.get(followup_url()).content.decode()
    assert 'data-testid="evaluation"' in body and "Fler studiebesök" in body


def test_empty_evaluation_is_refused(as_maria):
    response = evaluate(as_maria, worked=" ", adjust="")
    assert "Skriv vad som fungerade" in response.content.decode()
    assert not MonthFollowUp.objects.exclude(worked="").exists()


def test_closing_freezes_the_month(as_maria, org, alice, maria):
    evaluate(as_maria)
    response = as_maria.post(close_url())
    assert response.status_code == 302
    record = MonthFollowUp.objects.get(unit=org["a"], month=FEBRUARY)
    assert record.is_closed and record.closed_by == maria and not record.restated
    # the evaluation now needs a reason
    response = evaluate(as_maria, worked="Ändrat i efterhand")
    assert "ange skälet" in response.content.decode()
    record.refresh_from_db()
    assert record.worked == "Tätare uppföljning av praktik"
    # a decision too
    response = as_maria.post(
        reverse("goals:meeting", args=["unit-a", "2026-02"]),
        {"eor": "3", "rationale": "Sent beslut", "version": "0"},
    )
    assert not GroupDecision.objects.exists()
    assert "Månaden är stängd" in response.content.decode()


def test_correcting_a_closed_month_is_audited_and_marks_it_restated(as_maria, org, maria):
    evaluate(as_maria)
    as_maria.post(close_url())
    assert evaluate(as_maria, worked="Rättad text", reason="Fel månad i texten").status_code == 302
    record = MonthFollowUp.objects.get(unit=org["a"], month=FEBRUARY)
    assert record.restated and record.worked == "Rättad text"
    change = CycleChange.objects.get(kind="evaluation")
    assert change.reason == "Fel månad i texten" and change.changed_by == maria
    assert change.before["worked"] == "Tätare uppföljning av praktik"
    assert change.after["worked"] == "Rättad text"
    body = as_maria.get(followup_url()).content.decode()
    assert "omräknad" in body and "Fel månad i texten" in body


def test_month_cannot_be_closed_before_it_ends(as_maria, org):
    response = as_maria.post(close_url(month="2026-03"), follow=True)
    assert "när den är slut" in response.content.decode()
    assert not MonthFollowUp.objects.filter(closed_at__isnull=False).exists()


def test_closing_twice_is_refused(as_maria, org):
    as_maria.post(close_url())
    first = MonthFollowUp.objects.get().closed_at
    response = as_maria.post(close_url(), follow=True)
    assert "redan stängd" in response.content.decode()
    assert MonthFollowUp.objects.get().closed_at == first


def test_closed_month_refuses_plan_changes(client, alice, org, maria, today, register):
    services.plan_save(unit=org["a"], caseworker=alice, month=MARCH, target=1, clients=[], by=alice)
    MonthFollowUp.objects.create(unit=org["a"], month=MARCH, closed_at="2026-03-02T08:00Z")
    client.force_login(alice)
    response = client.post(reverse("goals:plan", args=["unit-a", "2026-03"]), plan_post(3, []))
    assert "Månaden är stängd" in response.content.decode()
    assert IndividualTarget.objects.get().target == 1


@pytest.mark.parametrize("persona", ["alice", "lena", "carl"])
def test_only_managers_write_or_close(client, personas, persona, today):
    client.force_login(personas[persona])
    assert client.get(followup_url()).status_code == 404
    assert evaluate(client).status_code == 404
    assert client.post(close_url()).status_code == 404
    assert not MonthFollowUp.objects.exists()


def test_a_correction_marks_the_closed_months_of_the_unit_and_its_ancestors(org, maria, today):
    deep = UnitFactory(code="unit-a-1", parent=org["a"])
    closed = "2026-02-05T08:00Z"
    for unit in (org["root"], org["a"], deep, org["b"]):
        MonthFollowUp.objects.create(unit=unit, month=FEBRUARY, closed_at=closed)
    MonthFollowUp.objects.create(unit=org["a"], month=MARCH)  # open: not restated
    MonthFollowUp.objects.create(unit=org["a"], month=APRIL, closed_at=closed)  # other month
    written = services.corrections_record(
        changes=[
            (deep.pk, FEBRUARY.replace(day=14), "Nytt avslut"),
            (deep.pk, MARCH.replace(day=2), "Nytt avslut"),
        ],
        by=maria,
        source="Sida",
        reason="Glömt",
    )
    assert len(written) == 3  # February of unit-a-1, unit-a and org; March is open
    restated = set(MonthFollowUp.objects.filter(restated=True).values_list("unit__code", "month"))
    assert restated == {("org", FEBRUARY), ("unit-a", FEBRUARY), ("unit-a-1", FEBRUARY)}
    row = MonthCorrection.objects.get(unit=org["root"])
    assert (row.month, row.event_unit, row.corrected_by, row.source, row.reason) == (
        FEBRUARY,
        deep,
        maria,
        "Sida",
        "Glömt",
    )


def test_a_closed_month_without_corrections_is_not_restated(org, maria, today):
    MonthFollowUp.objects.create(unit=org["a"], month=FEBRUARY, closed_at="2026-02-05T08:00Z")
    assert services.corrections_record(changes=[], source="Sida") == []
    assert (
        services.corrections_record(changes=[(org["b"].pk, FEBRUARY, "Nytt avslut")], source="Sida")
        == []
    )
    assert not MonthFollowUp.objects.filter(restated=True).exists()


def test_followup_page_links_the_reports_partials_when_reports_has_them(as_maria):
    from django.urls import NoReverseMatch

    body = as_maria.get(followup_url()).content.decode()
    try:
        url = reverse("reports:partial_followup", args=["unit-a", "2026-02"])
    except NoReverseMatch:
        assert "hx-get" not in body or "partial_followup" not in body
    else:
        assert f'hx-get="{url}"' in body and f'href="{url}"' in body


def test_followup_start_goes_to_last_month(as_maria):
    assert as_maria.get(reverse("goals:followup_start")).url == followup_url()


def test_followup_marks_named_clients_who_exited(as_maria, org, alice, register):
    services.plan_save(
        unit=org["a"],
        caseworker=alice,
        month=FEBRUARY,
        target=2,
        clients=[("K-00001", "a"), ("K-00002", "b")],
        by=alice,
    )
    register.exits[("unit-a", FEBRUARY)] = {"K-00002"}
    body = as_maria.get(followup_url()).content.decode()
    assert 'K-00002 <span class="ok">(avslutad)</span>' in body
    assert "K-00001 <span" not in body
