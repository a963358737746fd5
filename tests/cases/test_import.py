"""The case-event import (DESIGN.md "Case-event CSV"), through import_file / import_rows and
the import_events command."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import CommandError, call_command

from cases.importing import COLUMNS, import_file, import_rows
from cases.models import Case, CaseEvent, CaseEventHistory, Client
from trelleborg.months import month_of, today

pytestmark = pytest.mark.django_db

HEADER = "event_id,case_id,client_ref,unit,caseworker,event_type,occurred_on,reason,program,decision_mode"


def csv(*lines: str, header: str = HEADER) -> bytes:
    return ("\n".join([header, *lines]) + "\n").encode()


GOOD = [
    "e1,C1,K-001,unit-a,alice,application_received,2018-01-03,,,",
    "e2,C1,K-001,unit-a,alice,decision,2018-01-10,,,automated",
    "e3,C1,K-001,unit-a,alice,exit,2018-02-01,work,,",
    "e4,C2,K-002,unit-b,,application_received,2018-01-05,,etablering,",
]


def nothing_written():
    return not (CaseEvent.objects.exists() or Case.objects.exists() or Client.objects.exists())


def test_good_file_creates_clients_cases_and_events(
    alice, carl, changes, django_capture_on_commit_callbacks, org
):
    with django_capture_on_commit_callbacks(execute=True):
        result = import_file(csv(*GOOD), user=alice)
    assert result.ok and result.written
    assert (result.rows, result.new, result.changed, result.unchanged) == (4, 4, 0, 0)
    assert (result.clients_created, result.cases_created) == (2, 2)
    c1 = Case.objects.get(case_number="C1")
    assert (c1.unit, c1.caseworker, c1.client.ref, c1.organisation) == (
        org["a"],
        alice,
        "K-001",
        org["root"],
    )
    assert Case.objects.get(case_number="C2").program == "etablering"
    decision = CaseEvent.objects.get(event_id="e2")
    assert decision.decision_mode == "automated" and decision.source == "import"
    assert decision.recorded_by == alice
    assert CaseEvent.objects.get(event_id="e1").program == "forsorjningsstod"
    assert CaseEvent.objects.exits().get().reason == "work"
    assert len(changes) == 1
    assert changes[0]["unit_ids"] == {org["a"].pk, org["b"].pk}
    assert changes[0]["months"] == {dt.date(2018, 1, 1), dt.date(2018, 2, 1)}


def test_same_file_twice_changes_nothing(alice, carl, changes, django_capture_on_commit_callbacks):
    import_file(csv(*GOOD))
    before = list(CaseEvent.objects.values_list("id", "updated_at"))
    with django_capture_on_commit_callbacks(execute=True):
        result = import_file(csv(*GOOD))
    assert (result.new, result.changed, result.unchanged) == (0, 0, 4)
    assert list(CaseEvent.objects.values_list("id", "updated_at")) == before
    assert not CaseEventHistory.objects.exists()
    assert changes == []


def test_changed_row_updates_event_and_keeps_history(
    alice, carl, maria, org, changes, django_capture_on_commit_callbacks
):
    import_file(csv(*GOOD))
    changed = "e3,C1,K-001,unit-b,alice,exit,2018-03-05,studies,,"
    with django_capture_on_commit_callbacks(execute=True):
        result = import_file(csv(GOOD[0], changed), user=maria)
    assert (result.new, result.changed, result.unchanged) == (0, 1, 1)
    event = CaseEvent.objects.get(event_id="e3")
    assert (event.unit, event.occurred_on, event.reason) == (
        org["b"],
        dt.date(2018, 3, 5),
        "studies",
    )
    history = CaseEventHistory.objects.get(event=event)
    assert history.previous == {
        "case": "C1",
        "unit": "unit-a",
        "event_type": "exit",
        "occurred_on": "2018-02-01",
        "reason": "work",
        "program": "forsorjningsstod",
        "decision_mode": "",
    }
    assert (history.changed_by, history.source) == (maria, "import")
    # both the old and the new unit and month are announced
    assert changes[0]["unit_ids"] == {org["a"].pk, org["b"].pk}
    assert changes[0]["months"] == {dt.date(2018, 2, 1), dt.date(2018, 3, 1)}


def test_dry_run_writes_nothing_but_counts(alice, carl):
    result = import_file(csv(*GOOD), dry_run=True)
    assert result.ok and not result.written
    assert result.new == 4
    assert nothing_written()


def test_semicolon_bom_crlf_and_column_order(alice, carl, org):
    header = "occurred_on;event_type;unit;client_ref;case_id;event_id"
    data = "\ufeff" + header + "\r\n2018-01-03;application_received;unit-a;K-9;C9;x1\r\n"
    result = import_file(data.encode())
    assert result.ok, result.error_lines()
    assert CaseEvent.objects.get(event_id="x1").case.case_number == "C9"


@pytest.mark.parametrize(
    ("row", "column", "fragment"),
    [
        ("b1,C1,K-1,nope,,application_received,2018-01-03,,,", "unit", "Okänd enhet"),
        ("b1,C1,K-1,unit-a,,party,2018-01-03,,,", "event_type", "Okänd händelsetyp"),
        ("b1,C1,K-1,unit-a,,exit,2018-01-03,lottery,,", "reason", "Okänd orsak"),
        ("b1,C1,K-1,unit-a,,application_received,2018-01-03,,circus,", "program", "Okänt program"),
        ("b1,C1,K-1,unit-a,,application_received,,,,", "occurred_on", "Datum saknas"),
        ("b1,C1,K-1,unit-a,,application_received,03/01/2018,,,", "occurred_on", "Ogiltigt datum"),
        ("b1,C1,K-1,unit-a,,application_received,2018-02-30,,,", "occurred_on", "Ogiltigt datum"),
        ("b1,C1,K-1,unit-a,,application_received,2999-01-01,,,", "occurred_on", "framtiden"),
        ("b1,C1,K-1,unit-a,,exit,2018-01-03,,,", "reason", "kräver en orsak"),
        ("b1,C1,K-1,unit-a,,referral,2018-01-03,work,,", "reason", "bara för avslut"),
        ("b1,C1,K-1,unit-a,,referral,2018-01-03,,,manual", "decision_mode", "bara för beslut"),
        ("b1,C1,K-1,unit-a,,decision,2018-01-03,,,sometimes", "decision_mode", "Okänt beslutssätt"),
        ("b1,C1,K-1,unit-a,nobody,referral,2018-01-03,,,", "caseworker", "Okänd användare"),
        (",C1,K-1,unit-a,,referral,2018-01-03,,,", "event_id", "saknas"),
        ("b1,,K-1,unit-a,,referral,2018-01-03,,,", "case_id", "saknas"),
        ("b1,C1,,unit-a,,referral,2018-01-03,,,", "client_ref", "saknas"),
        ("b1,C1,19900101-1234,unit-a,,referral,2018-01-03,,,", "client_ref", "personnummer"),
        ("b1,C1,900101+1234,unit-a,,referral,2018-01-03,,,", "client_ref", "personnummer"),
    ],
)
def test_bad_row_is_located_and_nothing_written(alice, org, row, column, fragment):
    result = import_file(csv(GOOD[0], row))
    assert not result.written
    assert len(result.errors) == 1, result.error_lines()
    error = result.errors[0]
    assert (error.line, error.column) == (3, column)
    assert fragment in error.message
    assert f"rad 3, kolumn {column}" in str(error)
    assert nothing_written()
    assert "19900101-1234" not in str(error) and "900101+1234" not in str(error)


def test_duplicated_event_id_in_file_names_both_lines(alice):
    result = import_file(
        csv(
            GOOD[0],
            "e9,C1,K-001,unit-a,,referral,2018-01-04,,,",
            "e9,C1,K-001,unit-a,,referral,2018-01-05,,,",
        )
    )
    assert [(e.line, e.column) for e in result.errors] == [(4, "event_id")]
    assert "rad 3" in result.errors[0].message
    assert nothing_written()


def test_case_with_two_client_refs_is_refused(alice):
    result = import_file(csv(GOOD[0], "e9,C1,K-OTHER,unit-a,,referral,2018-01-04,,,"))
    assert [(e.line, e.column) for e in result.errors] == [(3, "client_ref")]
    import_file(csv(GOOD[0]))
    result = import_file(csv("e9,C1,K-OTHER,unit-a,,referral,2018-01-04,,,"))
    assert [(e.line, e.column) for e in result.errors] == [(2, "client_ref")]


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        (b"", "tom"),
        (b"\n\n", "tom"),
        ("event_id,case_id\nå".encode("latin-1"), "saknas"),
        (HEADER.encode("utf-16"), "UTF-16"),
        (
            "event_id,case_id,client_ref,unit,event_type,occurred_on\nä,b\n".encode("latin-1"),
            "UTF-8",
        ),
        (b"\x00\x01\x02\x03binary\xff\xfe", "UTF-8"),
        (b"PK\x03\x04\x00\x00\x00binary", "binärdata"),
        (b"id,case,ref\n1,2,3\n", "Okänd kolumn"),
        (csv(GOOD[0], header="event_id,case_id,client_ref,unit,event_type"), "occurred_on"),
        (csv(GOOD[0], header=HEADER + ",extra"), "Okänd kolumn"),
        (("a," * 100_000 + "a\n").encode(), "för många kolumner"),
        (HEADER.encode() + b"\n", "inga händelser"),
    ],
)
def test_unreadable_files_are_refused(alice, data, fragment):
    result = import_file(data)
    assert result.errors and not result.written
    assert any(fragment in str(e) for e in result.errors), result.error_lines()
    assert nothing_written()


def test_line_with_100000_columns_is_refused(alice):
    result = import_file(csv(GOOD[0], "x," * 100_000 + "x"))
    assert [e.line for e in result.errors] == [3]
    assert "100001 fält" in result.errors[0].message
    assert nothing_written()


def test_not_utf8_data_line_is_located(alice):
    data = csv(GOOD[0]) + "e5,C5,K-5,unit-a,,referral,2018-01-03,,,Ä\n".encode("latin-1")
    result = import_file(data)
    assert [e.line for e in result.errors] == [3]
    assert nothing_written()


def test_one_bad_row_among_thousands_writes_nothing(alice):
    rows = [
        f"ev{n},C{n % 700},K-{n % 700:05d},unit-a,,referral,2018-{1 + n % 12:02d}-{1 + n % 28:02d},,,"
        for n in range(3000)
    ]
    rows[2345] = rows[2345].replace("referral", "exit")  # an exit without a reason
    result = import_file(csv(*rows))
    assert [(e.line, e.column) for e in result.errors] == [(2347, "reason")]
    assert nothing_written()
    rows[2345] = rows[2345].replace("exit", "referral")
    assert import_file(csv(*rows)).new == 3000


def test_every_error_is_reported(alice):
    result = import_file(
        csv(
            "b1,C1,K-1,nope,,party,2018-13-01,,,",
            "b2,C1,K-1,unit-a,,exit,2018-01-01,,,",
        )
    )
    assert [(e.line, e.column) for e in result.errors] == [
        (2, "unit"),
        (2, "event_type"),
        (2, "occurred_on"),
        (3, "reason"),
    ]


def test_manager_may_import_only_managed_units(maria, org):
    from cases.access import import_units

    allowed = import_units(maria)
    result = import_file(
        csv("m1,M1,K-1,unit-a,,referral,2018-01-03,,,", "m2,M2,K-2,unit-b,,referral,2018-01-03,,,"),
        allowed_units=allowed,
    )
    assert [(e.line, e.column) for e in result.errors] == [(3, "unit")]
    assert nothing_written()


def test_import_rows_accepts_mappings_for_the_api(alice, org):
    rows = [
        {
            "event_id": "api-1",
            "case_id": "A1",
            "client_ref": "K-1",
            "unit": "unit-a",
            "event_type": "decision",
            "occurred_on": today().isoformat(),
        },
        {
            "event_id": "api-2",
            "case_id": "A1",
            "client_ref": "K-1",
            "unit": "unit-a",
            "event_type": "exit",
            "occurred_on": today().isoformat(),
            "reason": "work",
            "surprise": "x",
        },
    ]
    result = import_rows(rows, source="api", user=alice, dry_run=False)
    assert [(e.line, e.column) for e in result.errors] == [(2, "surprise")]
    del rows[1]["surprise"]
    result = import_rows(rows, source="api", user=alice, dry_run=False)
    assert result.written and result.new == 2
    assert set(CaseEvent.objects.values_list("source", flat=True)) == {"api"}
    assert CaseEvent.objects.of_type("decision").get().decision_mode == "manual"
    assert result.months == {month_of(today())}
    assert set(COLUMNS) >= set(rows[0])


def test_existing_case_follows_a_later_event_to_a_new_unit(alice, carl, org):
    import_file(csv(*GOOD))
    import_file(csv("e5,C1,K-001,unit-b,carl,referral,2018-03-01,,,"))
    case = Case.objects.get(case_number="C1")
    assert (case.unit, case.caseworker) == (org["b"], carl)
    # an older event does not move it back
    import_file(csv("e6,C1,K-001,unit-a,alice,referral,2018-01-20,,,"))
    case.refresh_from_db()
    assert case.unit == org["b"]


def test_command_prints_errors_and_exits_non_zero(alice, tmp_path):
    path = tmp_path / "events.csv"
    path.write_bytes(csv("b1,C1,K-1,nope,,referral,2018-01-03,,,"))
    with pytest.raises(CommandError, match="1 fel"):
        call_command("import_events", str(path))
    assert nothing_written()


def test_command_dry_run_and_import(alice, carl, tmp_path, capsys):
    path = tmp_path / "events.csv"
    path.write_bytes(csv(*GOOD))
    call_command("import_events", str(path), "--dry-run")
    assert "Provkörning" in capsys.readouterr().out
    assert nothing_written()
    call_command("import_events", str(path))
    assert "4 nya" in capsys.readouterr().out
    assert CaseEvent.objects.count() == 4


def test_command_missing_file(tmp_path):
    with pytest.raises(CommandError, match="Kan inte läsa"):
        call_command("import_events", str(tmp_path / "nope.csv"))
