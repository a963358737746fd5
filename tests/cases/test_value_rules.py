"""Issue 13 points 4, 5 and 6 on the case paths (register form, event forms, admin, import
both staging paths, API): personal numbers in ids, invisible and control characters in
identifiers, and the earliest event date. One rule each, in cases.rules /
trelleborg.validation."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.contrib import admin
from django.urls import reverse

from cases.importing import import_file, import_rows
from cases.models import Case, CaseEvent, Client
from goals.models import MonthFollowUp
from integrations.services import token_create
from trelleborg.months import today
from trelleborg.validation import (
    PersonalNumberFormMixin,
    contains_personal_number,
    date_floor_error,
)

from .test_import import csv

pytestmark = pytest.mark.django_db

DAY = (today() - dt.timedelta(days=5)).isoformat()
SIX = [
    "19121212-1212",
    "121212-1212",
    "191212121212",
    "121212+1212",
    "ärende för 121212-1212 i dag",
    "K-19121212-1212",
]
# ESC, BEL, right-to-left override, zero-width space, byte-order mark, private use
INVISIBLE = ["K-\x1b01", "K-\x0701", "K-\u202e01", "K-\u200b01", "\ufeffK-01", "K-\ue00001"]


# --- the one detector ------------------------------------------------------------------


@pytest.mark.parametrize("text", SIX)
def test_the_detector_finds_every_form(text):
    assert contains_personal_number(text)


@pytest.mark.parametrize(
    "text", ["19121212-1213", "K-00123", "2026-03-10", "ev-1234567", "ordernr 4711"]
)
def test_the_detector_leaves_other_text_alone(text):
    assert not contains_personal_number(text)


def test_a_coordination_number_is_found():
    # samordningsnummer: day + 60 (19121272-…), with its own check digit
    assert contains_personal_number("19121272-1219")


# --- import (both staging paths) and API ---------------------------------------------------


def _quoted(line: str) -> str:
    """The same row with a quoted field: the file goes through the row-by-row reader."""
    first, rest = line.split(",", 1)
    return f'"{first}",{rest}'


@pytest.mark.parametrize("path", ["fast", "row-by-row"])
@pytest.mark.parametrize("column", ["event_id", "case_id"])
@pytest.mark.parametrize("value", ["19121212-1212", "K-19121212-1212", "191212121212"])
def test_the_import_refuses_a_personal_number_in_an_id(path, column, value, alice):
    row = {"event_id": "e1", "case_id": "C1"} | {column: value}
    line = f"{row['event_id']},{row['case_id']},K-001,unit-a,,application_received,{DAY},,,"
    result = import_file(csv(_quoted(line) if path == "row-by-row" else line), user=alice)
    assert [(e.line, e.column) for e in result.errors] == [(2, column)]
    assert "personnummer" in result.errors[0].message
    assert value not in str(result.errors[0])
    assert not CaseEvent.objects.exists()


@pytest.mark.parametrize("path", ["fast", "row-by-row"])
@pytest.mark.parametrize("column", ["event_id", "case_id", "client_ref"])
@pytest.mark.parametrize("value", INVISIBLE)
def test_the_import_refuses_invisible_characters_in_identifiers(path, column, value, alice):
    row = {"event_id": "e1", "case_id": "C1", "client_ref": "K-001"} | {column: value}
    line = (
        f"{row['event_id']},{row['case_id']},{row['client_ref']},unit-a,,"
        f"application_received,{DAY},,,"
    )
    result = import_file(csv(_quoted(line) if path == "row-by-row" else line), user=alice)
    if "\x1b" in value or "\x07" in value:
        # The CSV reader refuses control characters in any field before the rules see them.
        assert [e.line for e in result.errors] == [2]
    else:
        assert [(e.line, e.column) for e in result.errors] == [(2, column)]
    assert not CaseEvent.objects.exists()


def test_import_rows_refuses_invisible_characters_and_normalises(alice):
    rows = [
        {
            "event_id": "e1",
            "case_id": "C\u200b1",
            "client_ref": "K-001",
            "unit": "unit-a",
            "event_type": "application_received",
            "occurred_on": DAY,
        }
    ]
    result = import_rows(rows, source="api", user=alice)
    assert [(e.line, e.column) for e in result.errors] == [(1, "case_id")]
    # NFC: a decomposed "é" is stored composed
    rows[0]["case_id"] = "Cafe\u0301-1"
    result = import_rows(rows, source="api", user=alice)
    assert result.ok, result.errors
    assert Case.objects.get().case_number == "Caf\u00e9-1"


@pytest.mark.parametrize("path", ["fast", "row-by-row"])
def test_the_import_refuses_events_before_the_earliest_date(path, alice, settings):
    settings.EOR_EARLIEST_EVENT_DATE = dt.date(2000, 1, 1)
    line = "e1,C1,K-001,unit-a,,application_received,1999-12-31,,,"
    result = import_file(csv(_quoted(line) if path == "row-by-row" else line), user=alice)
    assert [(e.line, e.column) for e in result.errors] == [(2, "occurred_on")]
    assert "2000-01-01" in result.errors[0].message
    ok = import_file(csv("e1,C1,K-001,unit-a,,application_received,2000-01-01,,,"), user=alice)
    assert ok.ok


@pytest.fixture
def robot(org):
    token, secret = token_create(name="Robot", scope="read_write", units=[org["root"]])
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def _api_event(**overrides):
    row = {
        "event_id": "api-1",
        "case_id": "C-1",
        "client_ref": "K-00001",
        "unit": "unit-a",
        "event_type": "application_received",
        "occurred_on": DAY,
    }
    row.update(overrides)
    return row


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("occurred_on", "0001-01-01"),
        ("case_id", "121212-1212"),
        ("event_id", "191212121212"),
        ("client_ref", "K-\u202e0001"),
        ("case_id", "C-\u200b1"),
        ("event_id", "\ufeffapi-1"),
    ],
)
def test_the_api_refuses_bad_values(client, robot, field, value):
    response = client.post(
        "/api/v1/events",
        json.dumps(_api_event(**{field: value})),
        content_type="application/json",
        **robot,
    )
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert (error["index"], error["field"]) == (0, field)
    assert not CaseEvent.objects.exists()


# --- page forms ---------------------------------------------------------------------------


@pytest.mark.parametrize("field", ["client_ref", "case_number"])
@pytest.mark.parametrize("value", INVISIBLE)
def test_the_register_form_refuses_invisible_characters(client, alice, org, field, value):
    client.force_login(alice)
    data = {"client_ref": "K-77", "case_number": "N-77", "unit": org["a"].pk} | {field: value}
    data["program"] = "forsorjningsstod"
    response = client.post(reverse("cases:register_case"), data)
    assert response.status_code == 200
    assert response.context["form"].errors[field]
    assert not Case.objects.exists() and not Client.objects.exists()


def test_the_register_form_stores_identifiers_nfc(client, alice, org):
    client.force_login(alice)
    client.post(
        reverse("cases:register_case"),
        {
            "client_ref": "K-Jose\u0301",
            "case_number": "N-1",
            "unit": org["a"].pk,
            "program": "forsorjningsstod",
        },
    )
    assert Client.objects.get().ref == "K-Jos\u00e9"


@pytest.mark.parametrize("name", ["log_exit", "log_event"])
def test_the_event_forms_refuse_a_date_before_the_earliest(client, alice, case_a, name):
    client.force_login(alice)
    data = {"occurred_on": "1999-12-31", "reason": "work", "event_type": "referral"}
    response = client.post(reverse(f"cases:{name}", args=[case_a.pk]), data)
    assert response.status_code == 200
    assert CaseEvent.objects.filter(case=case_a).count() == 1
    assert "2000-01-01" in response.content.decode()


def test_the_date_floor_follows_the_setting(settings):
    settings.EOR_EARLIEST_EVENT_DATE = dt.date(2010, 1, 1)
    assert date_floor_error(dt.date(2009, 12, 31))
    assert date_floor_error(dt.date(2010, 1, 1)) is None


# --- admin ----------------------------------------------------------------------------------


def test_the_admin_refuses_an_event_before_the_earliest_date(client, ada, case_a, org):
    client.force_login(ada)
    response = client.post(
        reverse("admin:cases_caseevent_add"),
        {
            "case": case_a.pk,
            "unit": org["a"].pk,
            "event_type": "referral",
            "occurred_on": "1999-06-01",
            "program": "forsorjningsstod",
        },
    )
    assert response.status_code == 200
    assert CaseEvent.objects.filter(case=case_a).count() == 1
    assert "2000-01-01" in response.content.decode()


def test_every_admin_form_carries_the_personal_number_rule():
    for model_admin in admin.site._registry.values():
        assert issubclass(model_admin.form, PersonalNumberFormMixin), model_admin
        for inline in model_admin.inlines:
            assert issubclass(inline.form, PersonalNumberFormMixin), inline


def test_the_admin_refuses_a_personal_number_in_a_follow_up_text(rf, ada):
    request = rf.get("/")
    request.user = ada
    form_class = admin.site._registry[MonthFollowUp].get_form(request)
    form = form_class({"worked": "Pratade med 121212-1212"})
    assert not form.is_valid()
    assert [e.code for e in form.errors.as_data()["worked"]] == ["personal_number"]


def test_the_admin_refuses_a_case_number_with_a_personal_number(client, ada, case_a):
    client.force_login(ada)
    response = client.post(
        reverse("admin:cases_case_change", args=[case_a.pk]),
        {
            "case_number": "K-19121212-1212",
            "client": case_a.client_id,
            "unit": case_a.unit_id,
            "caseworker": "",
            "program": "forsorjningsstod",
            "created_at_0": "2026-01-01",
            "created_at_1": "10:00:00",
        },
    )
    assert response.status_code == 200
    case_a.refresh_from_db()
    assert case_a.case_number == "A-1"
