"""Issue 13 point 1: a write with a scope only creates or changes cases and events inside
its scope, before and after (cases.rules.Scope), on every path: the import (both staging
paths, page and function), the API and the caseworker's forms."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cases import services
from cases.access import import_units
from cases.importing import import_file, import_rows
from cases.models import Case, CaseEvent
from cases.rules import OUT_OF_SCOPE_MESSAGE, Scope
from goals.access import CLIENT_ROLES
from goals.models import Role, Unit
from tests.factories import CaseEventFactory, CaseFactory, ClientFactory, MembershipFactory
from trelleborg.months import today

from .test_import import csv

pytestmark = pytest.mark.django_db

DAY = (today() - dt.timedelta(days=5)).isoformat()


@pytest.fixture
def other_case(org, carl):
    """Unit B's case, with a client ref and caseworker unit A must learn nothing about."""
    client = ClientFactory(organisation=org["root"], ref="K-SECRET-B")
    case = CaseFactory(unit=org["b"], caseworker=carl, case_number="B-77", client=client)
    CaseEventFactory(case=case, unit=org["b"], event_id="b-ev-1", event_type="application_received")
    return case


def _reveals_nothing(message: str) -> None:
    for secret in ("unit-b", "Grupp B", "K-SECRET-B", "carl", "klientreferens"):
        assert secret not in message


def _unchanged(case) -> None:
    case.refresh_from_db()
    assert case.unit.code == "unit-b" and case.caseworker.username == "carl"
    assert case.client.ref == "K-SECRET-B"
    assert set(CaseEvent.objects.filter(case=case).values_list("unit__code", flat=True)) == {
        "unit-b"
    }


# The fast path reads plain files; a quote sends the file to the row-by-row reader.
PLAIN = "a-1,B-77,K-A-1,unit-a,,application_received,{day},,,"
QUOTED = 'a-1,B-77,"K-A-1",unit-a,,application_received,{day},,,'


@pytest.mark.parametrize("row", [PLAIN, QUOTED], ids=["fast", "row-by-row"])
def test_a_managers_import_naming_another_units_case_is_refused(row, maria, other_case):
    """The probe's scenario: the manager of group A imports a row with group B's case
    number; it is refused, the error names the line and nothing of the other unit."""
    result = import_file(
        csv("a-0,A-NEW,K-A-0,unit-a,,application_received," + DAY + ",,,", row.format(day=DAY)),
        user=maria,
        allowed_units=import_units(maria),
    )
    assert not result.written
    [error] = result.errors
    assert (error.line, error.column) == (3, "case_id")
    assert error.message == str(OUT_OF_SCOPE_MESSAGE)
    _reveals_nothing(str(error))
    _unchanged(other_case)
    assert not Case.objects.filter(case_number="A-NEW").exists()  # all or nothing


def test_even_with_the_right_client_ref_the_case_stays_put(maria, other_case):
    result = import_rows(
        [
            {
                "event_id": "a-1",
                "case_id": "B-77",
                "client_ref": "K-SECRET-B",
                "unit": "unit-a",
                "event_type": "application_received",
                "occurred_on": DAY,
            }
        ],
        source="import",
        user=maria,
        allowed_units=import_units(maria),
    )
    assert [(e.line, e.column) for e in result.errors] == [(1, "case_id")]
    _unchanged(other_case)


def test_a_wrong_client_ref_on_an_outside_case_does_not_say_whose_it_is(maria, other_case):
    """Today's "hör redan till en annan klientreferens" told that B-77 has another client:
    outside the scope, only the scope's error is given."""
    result = import_file(csv(PLAIN.format(day=DAY)), user=maria, allowed_units=import_units(maria))
    assert [(e.line, e.column) for e in result.errors] == [(2, "case_id")]
    _reveals_nothing(result.errors[0].message)


def test_an_event_id_of_another_unit_is_refused(maria, other_case):
    """An existing event_id under another unit's case: the row would move the event."""
    result = import_file(
        csv(f"b-ev-1,A-NEW,K-A-0,unit-a,,application_received,{DAY},,,"),
        user=maria,
        allowed_units=import_units(maria),
    )
    assert [(e.line, e.column) for e in result.errors] == [(2, "event_id")]
    _reveals_nothing(result.errors[0].message)
    _unchanged(other_case)


def test_inside_the_scope_the_manager_still_writes(maria, bob, org, case_a):
    result = import_file(
        csv(f"a-9,{case_a.case_number},{case_a.client.ref},unit-a,bob,decision,{DAY},,,"),
        user=maria,
        allowed_units=import_units(maria),
    )
    assert result.ok and result.written


def test_a_manager_of_both_units_may_move_a_case_between_them(maria, org, other_case):
    MembershipFactory(user=maria, unit=org["b"], role=Role.MANAGER)
    result = import_file(
        csv(f"a-1,B-77,K-SECRET-B,unit-a,,referral,{today().isoformat()},,,"),
        user=maria,
        allowed_units=import_units(maria),
    )
    assert result.ok and result.written
    other_case.refresh_from_db()
    assert other_case.unit == org["a"]


def test_an_administrators_import_may_move_cases_between_units(ada, org, other_case):
    result = import_file(
        csv(f"a-1,B-77,K-SECRET-B,unit-a,,referral,{today().isoformat()},,,"),
        user=ada,
        allowed_units=import_units(ada),
    )
    assert result.ok and result.written
    other_case.refresh_from_db()
    assert other_case.unit == org["a"]


def test_the_import_page_refuses_it_too(client, maria, other_case):
    client.force_login(maria)
    data = csv(PLAIN.format(day=DAY))
    response = client.post(
        reverse("cases:import_events"),
        {"file": SimpleUploadedFile("h.csv", data, content_type="text/csv")},
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "Bekräfta och importera" not in body
    assert "utanför de enheter du får skriva för" in body
    _reveals_nothing(body.split("<main", 1)[-1].replace("Grupp A", ""))
    _unchanged(other_case)


# --- the one scope rule --------------------------------------------------------------------


def test_the_scope_rule_is_before_and_after(org):
    scope = Scope([org["a"].pk])
    assert scope.allows_write(before=[org["a"].pk, None], after=[org["a"].pk])
    assert not scope.allows_write(before=[org["b"].pk], after=[org["a"].pk])  # taking
    assert not scope.allows_write(before=[org["a"].pk], after=[org["b"].pk])  # giving away
    assert Scope.of_units(Unit.objects.all()).unrestricted
    assert not Scope.of_units([org["a"]]).unrestricted


def test_a_caseworkers_form_write_is_checked_against_the_same_rule(carl, case_a):
    """The service refuses a page write for a case outside the writer's units, even if a
    view forgot to load the case through its access rule."""
    with pytest.raises(ValidationError) as refused:
        services.event_log(
            case=case_a,
            event_type="referral",
            by=carl,
            scope=Scope.of_user(carl, CLIENT_ROLES),
        )
    assert refused.value.messages == [str(OUT_OF_SCOPE_MESSAGE)]
    assert CaseEvent.objects.filter(case=case_a).count() == 1


def test_registering_a_case_in_another_unit_is_refused(carl, org):
    with pytest.raises(ValidationError) as refused:
        services.client_case_register(
            unit=org["a"],
            client_ref="K-NEW-1",
            case_number="N-1",
            scope=Scope.of_user(carl, CLIENT_ROLES),
        )
    assert "unit" in refused.value.error_dict
    assert not Case.objects.filter(case_number="N-1").exists()


def test_the_command_run_for_a_manager_has_the_managers_scope(tmp_path, maria, other_case):
    from django.core.management import CommandError, call_command

    path = tmp_path / "h.csv"
    path.write_bytes(csv(PLAIN.format(day=DAY)))
    with pytest.raises(CommandError):
        call_command("import_events", str(path), user="maria")
    _unchanged(other_case)


def test_the_command_refuses_a_user_who_may_not_import(tmp_path, alice):
    from django.core.management import CommandError, call_command

    path = tmp_path / "h.csv"
    path.write_bytes(csv(f"a-1,A-1,K-1,unit-a,,application_received,{DAY},,,"))
    with pytest.raises(CommandError, match="får inte importera"):
        call_command("import_events", str(path), user="alice")
    assert not Case.objects.exists()
