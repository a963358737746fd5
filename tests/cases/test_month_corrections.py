"""Changes to events dated in a closed month are corrections, by every path (DESIGN.md "The
monthly cycle" 4): page (a reason is asked), import (file name), API (token), admin."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.urls import reverse
from django.utils import timezone

from cases import services
from cases.importing import import_file
from cases.models import CaseEvent
from goals.models import MonthCorrection, MonthFollowUp
from tests.factories import CaseEventFactory, UnitFactory
from tests.integrations.conftest import event, make_token, robot  # noqa: F401
from trelleborg.months import add_months, current_month, today

pytestmark = pytest.mark.django_db
HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def last_month():
    return add_months(current_month(), -1)


@pytest.fixture
def closed(org, last_month):
    """Last month is closed for unit A and the root (unit B's stays open)."""
    now = timezone.now()
    return {
        code: MonthFollowUp.objects.create(unit=org[code], month=last_month, closed_at=now)
        for code in ("a", "root")
    }


def day_in(month: dt.date) -> dt.date:
    return month.replace(day=10)


def exit_post(client, case, day, **extra):
    data = {"reason": "work", "occurred_on": day.isoformat(), **extra}
    return client.post(reverse("cases:log_exit", args=[case.pk]), data, **HX)


def test_an_exit_in_a_closed_month_from_the_page_asks_for_a_reason_and_keeps_the_form(
    client, alice, case_a, closed, last_month
):
    client.force_login(alice)
    response = exit_post(client, case_a, day_in(last_month))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Skäl till rättelse" in body and "stängd månad" in body
    assert day_in(last_month).isoformat() in body and 'value="work" selected' in body
    assert not CaseEvent.objects.exits().exists() and not MonthCorrection.objects.exists()

    response = exit_post(client, case_a, day_in(last_month), correction_reason="Missat avslut")
    assert response.status_code == 200 and CaseEvent.objects.exits().count() == 1
    rows = MonthCorrection.objects.order_by("unit__path")
    assert [r.unit.code for r in rows] == ["org", "unit-a"]
    assert {(r.month, r.corrected_by, r.source, r.reason) for r in rows} == {
        (last_month, alice, "Sida", "Missat avslut")
    }
    assert "Avslut" in rows[0].description and case_a.client.ref not in rows[0].description
    assert all(f.restated for f in MonthFollowUp.objects.all())


def test_an_exit_in_an_open_month_is_no_correction(client, alice, case_a, closed):
    client.force_login(alice)
    assert exit_post(client, case_a, today()).status_code == 200
    assert CaseEvent.objects.exits().count() == 1
    assert not MonthCorrection.objects.exists()
    assert not MonthFollowUp.objects.filter(restated=True).exists()


def test_a_unit_whose_month_is_open_is_not_restated_by_a_sibling(
    org, carl, case_b, closed, last_month
):
    """Unit B's month is open: its exit corrects only the root's closed month."""
    services.exit_log(case=case_b, reason="work", occurred_on=day_in(last_month), by=carl,
                      source="page", correction_reason="Sent inrapporterat")  # fmt: skip
    assert list(MonthCorrection.objects.values_list("unit__code", flat=True)) == ["org"]
    closed["a"].refresh_from_db()
    closed["root"].refresh_from_db()
    assert closed["root"].restated and not closed["a"].restated


def test_the_import_records_its_file_and_user(org, alice, maria, closed, last_month):
    rows = [
        "event_id,case_id,client_ref,unit,caseworker,event_type,occurred_on,reason,program,decision_mode",
        f"i1,C1,K-001,unit-a,alice,application_received,{day_in(last_month)},,,",
        f"i2,C1,K-001,unit-a,alice,exit,{day_in(last_month)},work,,",
        f"i3,C2,K-002,unit-a,alice,application_received,{today()},,,",
    ]
    data = ("\n".join(rows) + "\n").encode()
    result = import_file(data, user=maria, file_name="mars.csv")
    assert result.ok, result.error_lines()
    corrections = MonthCorrection.objects.filter(unit=org["a"])
    assert [(c.source, c.corrected_by, c.description) for c in corrections] == [
        ("Import: mars.csv", maria, "2 nya händelser")
    ]
    # The same file again changes nothing: no correction.
    import_file(data, user=maria, file_name="mars.csv")
    assert MonthCorrection.objects.filter(unit=org["a"]).count() == 1
    # A changed row moved out of the closed month corrects it.
    moved = data.replace(f"i2,C1,K-001,unit-a,alice,exit,{day_in(last_month)}".encode(),
                         f"i2,C1,K-001,unit-a,alice,exit,{today()}".encode())  # fmt: skip
    assert import_file(moved, user=maria, file_name="rättad.csv").changed == 1
    latest = MonthCorrection.objects.filter(unit=org["a"]).first()
    assert (latest.source, latest.description) == ("Import: rättad.csv", "1 ändrade händelser")


def test_the_api_records_its_token_and_owner(client, org, robot, closed, last_month):  # noqa: F811
    payload = event(1, occurred_on=day_in(last_month).isoformat())
    response = client.post(
        "/api/v1/events", json.dumps(payload), content_type="application/json", **robot.headers
    )
    assert response.status_code == 200, response.content
    row = MonthCorrection.objects.get(unit=org["a"])
    assert row.source == f"API-token #{robot.token.pk}"
    assert row.corrected_by == robot.token.created_by


def test_admin_changes_and_deletes_are_corrections(client, ada, org, case_a, closed, last_month):
    ev = CaseEventFactory(case=case_a, event_type="exit", reason="work", occurred_on=today())
    services.event_update(event=ev, by=ada, occurred_on=day_in(last_month),
                          correction_reason="Fel datum")  # fmt: skip

    row = MonthCorrection.objects.filter(unit=org["a"]).get()
    assert (row.source, row.reason, row.corrected_by) == ("Administration", "Fel datum", ada)
    assert "→" in row.description
    client.force_login(ada)
    url = reverse("admin:cases_caseevent_delete", args=[ev.pk])
    assert client.post(url, {"post": "yes"}).status_code == 302
    assert not CaseEvent.objects.filter(pk=ev.pk).exists()
    assert MonthCorrection.objects.filter(unit=org["a"]).count() == 2
    assert MonthCorrection.objects.filter(unit=org["a"]).first().description.startswith("Borttagen")


def test_a_deeper_unit_corrects_every_closed_month_above_it(org, closed, last_month):
    deep = UnitFactory(code="unit-a-1", parent=org["a"])
    services.corrections.record(
        [(deep.pk, day_in(last_month), "Ny händelse")], by=None, source="import"
    )
    assert set(MonthCorrection.objects.values_list("unit__code", flat=True)) == {"org", "unit-a"}


def test_a_page_change_moving_an_event_out_of_a_closed_month_needs_a_reason(
    alice, case_a, closed, last_month
):
    from django.core.exceptions import ValidationError

    ev = CaseEventFactory(
        case=case_a, event_type="exit", reason="work", occurred_on=day_in(last_month)
    )
    with pytest.raises(ValidationError) as refused:
        services.event_update(event=ev, by=alice, source="page", occurred_on=today())
    assert "correction_reason" in refused.value.message_dict
    ev.refresh_from_db()
    assert ev.occurred_on == day_in(last_month) and not MonthCorrection.objects.exists()
    services.event_update(
        event=ev, by=alice, source="page", occurred_on=today(), correction_reason="Fel månad"
    )
    assert {(c.unit.code, c.reason) for c in MonthCorrection.objects.all()} == {
        ("org", "Fel månad"),
        ("unit-a", "Fel månad"),
    }


def test_correcting_or_withdrawing_an_exit_in_a_closed_month_is_a_correction(
    alice, maria, case_a, closed, last_month
):
    logged = services.exit_log(
        case=case_a,
        reason="work",
        occurred_on=day_in(last_month),
        by=alice,
        correction_reason="Missat avslut",
    )
    MonthCorrection.objects.all().delete()
    MonthFollowUp.objects.update(restated=False)

    services.exit_correct(event=logged, reason="Fel orsak", by=alice, exit_reason="studies")
    assert {r.reason for r in MonthCorrection.objects.all()} == {"Fel orsak"}
    MonthCorrection.objects.all().delete()

    services.exit_withdraw(event=CaseEvent.objects.get(pk=logged.pk), reason="Fel klient", by=maria)
    rows = MonthCorrection.objects.order_by("unit__path")
    assert [r.unit.code for r in rows] == ["org", "unit-a"]
    assert {(r.corrected_by, r.reason) for r in rows} == {(maria, "Fel klient")}
    assert "Återkallat avslut" in rows[0].description
    assert case_a.client.ref not in rows[0].description
    assert all(f.restated for f in MonthFollowUp.objects.all())
