"""The import's fast path for plain CSV files (cases.importing._stage_csv_fast) must behave
exactly like the row-by-row path over trelleborg.csvread: same rows, same staged values,
same errors on the same lines and columns with the same messages. The row-by-row path is
what a stream that cannot seek gets, so every comparison imports the same bytes both ways.
"""

from __future__ import annotations

import io
import os

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cases import importing
from cases.importing import COLUMNS, MAX_ERRORS, import_file
from cases.models import CaseEvent
from trelleborg.months import today

pytestmark = pytest.mark.django_db

HEADER = ",".join(COLUMNS)


class OneWay(io.RawIOBase):
    """A stream that cannot seek: import_file reads it row by row."""

    def __init__(self, data: bytes):
        self._inner = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def readinto(self, buffer) -> int:
        chunk = self._inner.read(len(buffer))
        buffer[: len(chunk)] = chunk
        return len(chunk)


def outcome(data: bytes, *, fast: bool):
    """Errors, counts and the events written, rolled back afterwards."""
    stream = io.BytesIO(data) if fast else io.BufferedReader(OneWay(data))
    with transaction.atomic():
        result = import_file(stream)
        events = sorted(
            CaseEvent.objects.values_list(
                "event_id",
                "case__case_number",
                "case__client__ref",
                "case__caseworker__username",
                "unit__code",
                "organisation__code",
                "event_type",
                "occurred_on",
                "reason",
                "program",
                "decision_mode",
            )
        )
        transaction.set_rollback(True)
    errors = [(e.line, e.column, e.message) for e in result.errors]
    counts = (result.rows, result.new, result.changed, result.unchanged, result.written)
    return errors, counts, events


def assert_same(data: bytes) -> tuple:
    fast = outcome(data, fast=True)
    assert fast == outcome(data, fast=False)
    return fast


@pytest.fixture
def staged_by(monkeypatch):
    """Which path staged the rows: 'fast', or 'rows' when the fast path handed the file back."""
    used: list[str] = []
    fast, rows = importing._stage_csv_fast, importing._stage_rows

    def spy_fast(*args, **kwargs):
        used.append("fast")
        return fast(*args, **kwargs)

    def spy_rows(*args, **kwargs):
        used.append("rows")
        return rows(*args, **kwargs)

    monkeypatch.setattr(importing, "_stage_csv_fast", spy_fast)
    monkeypatch.setattr(importing, "_stage_rows", spy_rows)
    return used


def csv(*lines: str, header: str = HEADER, end: str = "\n") -> bytes:
    return (end.join([header, *lines]) + end).encode()


GOOD = [
    "e1,C1,K-001,unit-a,alice,application_received,2018-01-03,,,",
    "e2,C1,K-001,unit-a,alice,decision,2018-01-10,,,",
    "e3,C1,K-001,unit-a,,exit,2018-02-01,work,,",
    "e4,C2,K-002,unit-b,carl,decision,2018-01-05,,etablering,automated",
]
BAD = [
    "b1,C1,K-1,nope,,application_received,2018-01-03,,,",
    "b1,C1,K-1,unit-a,,party,2018-01-03,,,",
    "b1,C1,K-1,unit-a,,exit,2018-01-03,lottery,,",
    "b1,C1,K-1,unit-a,,application_received,2018-01-03,,circus,",
    "b1,C1,K-1,unit-a,,application_received,,,,",
    "b1,C1,K-1,unit-a,,application_received,03/01/2018,,,",
    "b1,C1,K-1,unit-a,,application_received,2018-02-30,,,",
    "b1,C1,K-1,unit-a,,application_received,2999-01-01,,,",
    "b1,C1,K-1,unit-a,,exit,2018-01-03,,,",
    "b1,C1,K-1,unit-a,,referral,2018-01-03,work,,",
    "b1,C1,K-1,unit-a,,referral,2018-01-03,,,manual",
    "b1,C1,K-1,unit-a,,decision,2018-01-03,,,sometimes",
    "b1,C1,K-1,unit-a,nobody,referral,2018-01-03,,,",
    ",C1,K-1,unit-a,,referral,2018-01-03,,,",
    "b1,,K-1,unit-a,,referral,2018-01-03,,,",
    "b1,C1,,unit-a,,referral,2018-01-03,,,",
    "b1,C1,19900101-1234,unit-a,,referral,2018-01-03,,,",
    "b1,C1,900101+1234,unit-a,,referral,2018-01-03,,,",
    f"b1,C1,K-{'9' * 64}19900101-1234,unit-a,,referral,2018-01-03,,,",  # too long and a number
    f"{'x' * 65},{'y' * 65},K-1,,,,,,,",  # many errors on one row
    ",,,,,,,,,",  # blank: skipped
    "   ",  # blank: skipped
    "",  # blank: skipped
    "b1,C1,K-1,unit-a",  # too few fields
    "b1,C1,K-1,unit-a,,referral,2018-01-03,,,,,",  # too many fields
    "e1,C1,K-001,unit-a,,referral,2018-01-04,,,",  # event_id twice in the file
    "b2,C1,K-OTHER,unit-a,,referral,2018-01-04,,,",  # a case with two client refs
]


@pytest.mark.parametrize("row", BAD)
def test_every_bad_row_kind_is_reported_alike(alice, carl, org, row, staged_by):
    errors, _counts, _events = assert_same(csv(*GOOD, row, GOOD[0].replace("e1", "e5")))
    assert staged_by[0] == "fast" and "rows" in staged_by  # the comparison did run both
    if row.strip(", "):
        assert errors and {line for line, _column, _message in errors} <= {6, 7}


def test_a_plain_file_takes_the_fast_path_and_writes_the_same(alice, carl, org, staged_by):
    errors, counts, events = assert_same(csv(*GOOD))
    assert errors == [] and counts == (4, 4, 0, 0, True)
    assert staged_by == ["fast", "rows"]
    decision = next(e for e in events if e[0] == "e2")
    assert decision[-2:] == ("forsorjningsstod", "manual")  # defaults filled in


@pytest.mark.parametrize(
    "data",
    [
        csv(*GOOD, end="\r\n"),
        b"\xef\xbb\xbf" + csv(*GOOD),
        csv(*[line.replace(",", ";") for line in GOOD], header=HEADER.replace(",", ";")),
        csv(*[" " + line.replace(",", " , ") + "\t" for line in GOOD]),
        csv(*[line.replace(",", ",\u00a0") for line in GOOD]),  # no-break spaces are stripped
        csv(*GOOD)[:-1],  # no newline at the end
        csv("e1,C1,K-001,unit-a,alice,application_received,2018-01-03"),
        csv(
            "application_received,2018-01-03,K-1,C1,e1,unit-a",
            header="event_type,occurred_on,client_ref,case_id,event_id,unit",
        ),
        csv(
            r"e\1,C\1,K\1,unit-a,,referral,2018-01-03,,,",
            "e\t2,C 2,K\t2,unit-a,,referral,2018-01-03,,,",
        ),
        csv(
            "e\u20281,C\x851,K-1,unit-a,,referral,2018-01-03,,,"
        ),  # line breaks only to str.splitlines
        csv("", *GOOD, "", ";;", ",,,,,,,,,", ""),
    ],
)
def test_plain_file_variants_stage_the_same_values(alice, carl, org, data, staged_by):
    errors, counts, events = assert_same(data)
    assert staged_by == ["fast", "rows"]  # read by the fast path (the second is the comparison)
    assert counts[-1] == (not errors)
    assert events or errors


@pytest.mark.parametrize(
    "data",
    [
        csv('"e1",C1,K-001,unit-a,,referral,2018-01-03,,,'),
        csv('e1,C1,"K-001, B",unit-a,,referral,2018-01-03,,,'),
        csv('e1,C1,"K-001\nB",unit-a,,referral,2018-01-03,,,', *GOOD[1:]),
        csv(*GOOD) + "e9,C9,K-9,unit-a,,referral,2018-01-03,,,Ä\n".encode("latin-1"),
        csv("e1,C1,K\x00-1,unit-a,,referral,2018-01-03,,,", *GOOD[1:]),
        csv("e1,C1,K\x1c-1,unit-a,,referral,2018-01-03,,,", *GOOD[1:]),
        csv("e1,C1,K-1\r,unit-a,,referral,2018-01-03,,,", *GOOD[1:]),
        csv(f"e1,C1,{'K' * 1001},unit-a,,referral,2018-01-03,,,", *GOOD[1:]),
    ],
)
def test_what_the_fast_path_does_not_read_goes_back_to_the_reader(
    alice, carl, org, data, staged_by
):
    errors, _counts, _events = assert_same(data)
    assert staged_by[:2] == ["fast", "rows"]  # handed back, then read row by row


def test_lines_are_counted_across_chunks(alice, carl, org, monkeypatch):
    monkeypatch.setattr(importing.staging, "_CHUNK_BYTES", 70)
    rows = [
        f"ev{n},C{n % 7},K-{n % 7:03d},unit-a,,referral,2018-{1 + n % 12:02d}-{1 + n % 28:02d},,,"
        for n in range(200)
    ]
    rows[57] = rows[57].replace("referral", "exit")
    rows[123] = ""
    rows[150] = rows[150] + ",extra"
    errors, counts, _events = assert_same(csv(*rows))
    assert [(line, column) for line, column, _message in errors] == [(59, "reason"), (152, None)]
    assert counts[0] == 198


def test_too_many_errors_stop_reading_at_the_same_line(alice, org):
    rows = [f"b{n},C{n},K-{n},nope,,referral,2018-01-03,,," for n in range(MAX_ERRORS + 10)]
    errors, counts, _events = assert_same(csv(*rows))
    assert errors[-1][0] == MAX_ERRORS + 1 and "För många fel" in errors[-1][2]
    assert not counts[-1]


# --- Hypothesis: plain and not-so-plain files, compared both ways --------------------------

CELLS = {
    "event_id": ["e1", "e2", "e3", "", "x" * 65, " e4 ", "e\\5", "e\t6", "ä7", "e\u00a08"],
    "case_id": ["C1", "C2", "", " C3", "C;4"],
    "client_ref": ["K-001", "K-002", "", "19900101-1234", "900101+1234", "K-" + "1" * 70],
    "unit": ["unit-a", "unit-b", "", "nope", " unit-a", "UNIT-A"],
    "caseworker": ["", "alice", "carl", "nobody", " alice"],
    "event_type": ["application_received", "decision", "exit", "referral", "party", ""],
    "occurred_on": ["2018-01-03", "2018-02-30", "03/01/2018", "", "2999-01-01", "today"],
    "reason": ["", "", "work", "lottery"],
    "program": ["", "", "etablering", "circus"],
    "decision_mode": ["", "", "manual", "sometimes"],
}
ODD = ['"', "\x00", "\x1c", "\r", "\x85", "\u2028", "\u3000", "\t", "\\"]


@st.composite
def event_files(draw) -> bytes:
    optional = [c for c in COLUMNS if c not in importing.REQUIRED_COLUMNS]
    columns = [*importing.REQUIRED_COLUMNS, *draw(st.lists(st.sampled_from(optional), unique=True))]
    columns = draw(st.permutations(columns))
    delimiter = draw(st.sampled_from([",", ";"]))
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    lines = [delimiter.join(columns)]
    for _ in range(draw(st.integers(0, 12))):
        kind = draw(st.integers(0, 9))
        if kind == 0:
            lines.append(draw(st.sampled_from(["", " ", delimiter * (len(columns) - 1)])))
            continue
        cells = []
        for column in columns:
            value = draw(st.sampled_from(CELLS[column]))
            if value == "today":
                value = today().isoformat()
            if kind == 1:  # something odd somewhere
                value += draw(st.sampled_from(ODD))
            cells.append(value)
        if kind == 2:
            cells = cells[: draw(st.integers(0, len(cells)))]
        lines.append(delimiter.join(cells))
    text = newline.join(lines) + draw(st.sampled_from([newline, ""]))
    bom = draw(st.sampled_from([b"", b"\xef\xbb\xbf"]))
    return bom + text.encode()


def test_fast_and_row_by_row_agree_on_any_file(alice, carl, org, monkeypatch):
    @settings(
        max_examples=150,
        deadline=None,
        derandomize=bool(os.environ.get("CI")),
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(data=event_files(), chunk=st.sampled_from([40, 200, 4 << 20]))
    def run(data, chunk):
        monkeypatch.setattr(importing.staging, "_CHUNK_BYTES", chunk)
        assert_same(data)

    run()


@pytest.mark.postgres
def test_planner_settings_do_not_outlive_the_import(alice, carl, org, monkeypatch):
    """The import plans its own statements (hash joins, index lookups into the events, more
    work_mem); a caller's enclosing transaction gets its own settings back."""
    from django.db import connection

    names = ("enable_nestloop", "enable_hashjoin", "enable_mergejoin", "work_mem", "jit")

    def settings_now():
        with connection.cursor() as cursor:
            values = []
            for name in names:
                cursor.execute(f"SHOW {name}")
                values.append(cursor.fetchone()[0])
            return values

    before = settings_now()
    monkeypatch.setattr(importing, "_BIG", 2)  # the plan of a big import on a small file
    with transaction.atomic():
        result = import_file(csv(*GOOD))
        assert result.written and result.new == 4
        assert settings_now() == before
    assert CaseEvent.objects.count() == 4


def test_big_import_plan_writes_new_changed_and_history(alice, carl, org, monkeypatch):
    from cases.models import Case, CaseEventHistory

    monkeypatch.setattr(importing, "_BIG", 2)
    assert import_file(csv(*GOOD)).new == 4
    moved = "e3,C1,K-001,unit-b,carl,exit,2018-03-05,studies,,"
    result = import_file(csv(GOOD[0], moved, "e9,C9,K-009,unit-b,,referral,2018-04-01,,,"))
    assert (result.new, result.changed, result.unchanged, result.written) == (1, 1, 1, True)
    event = CaseEvent.objects.get(event_id="e3")
    assert (event.unit, event.reason, str(event.occurred_on)) == (org["b"], "studies", "2018-03-05")
    assert CaseEventHistory.objects.get(event=event).previous["unit"] == "unit-a"
    assert Case.objects.get(case_number="C1").unit == org["b"]  # follows its latest event
    assert Case.objects.get(case_number="C9").client.ref == "K-009"
