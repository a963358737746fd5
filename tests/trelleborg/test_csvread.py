from __future__ import annotations

import io

import pytest

from trelleborg.csvread import CsvError, CsvInvalid, CsvReader

COLS = ("event_id", "unit", "note")


def read(data: bytes, **kwargs):
    errors: list[CsvError] = []
    reader = CsvReader(data, columns=COLS, required=("event_id", "unit"), errors=errors, **kwargs)
    return reader, list(reader), errors


def test_optional_columns_may_be_absent_and_header_is_normalised():
    reader, rows, errors = read(b" Event_ID ; UNIT \n1;a\n")
    assert reader.delimiter == ";"
    assert rows[0].values == {"event_id": "1", "unit": "a", "note": ""}
    assert errors == []


def test_multiline_quoted_field_keeps_line_numbers_right():
    _, rows, errors = read(b'event_id,unit,note\n1,a,"two\nlines"\n2,b,x\n\n3,c,\n')
    assert [(r.line, r["event_id"]) for r in rows] == [(2, "1"), (4, "2"), (6, "3")]
    assert rows[0]["note"] == "two\nlines"
    assert errors == []


def test_field_size_cap_and_control_characters_are_errors_with_column():
    _, rows, errors = read(
        b"event_id,unit,note\n1,a," + b"x" * 20 + b"\n2,b\x07,\n", max_field_size=10
    )
    assert rows == []
    assert [(e.line, e.column) for e in errors] == [(2, "note"), (3, "unit")]


def test_endless_line_stops_reading():
    _, rows, errors = read(b"event_id,unit\n" + b"1," + b"y" * 5000 + b"\n", max_line_bytes=1000)
    assert rows == []
    assert errors[0].line == 2 and "längre än 1000 byte" in errors[0].message


def test_error_cap_stops_reading():
    data = b"event_id,unit\n" + b"1,2,3\n" * 50
    _, rows, errors = read(data, max_errors=5)
    assert len(errors) == 6  # five row errors and the note that reading stopped
    assert "avbröts" in errors[-1].message


def test_reads_from_a_binary_stream():
    reader = CsvReader(io.BytesIO(b"event_id,unit\n1,a\n"), columns=COLS, required=())
    assert [r.values["unit"] for r in reader] == ["a"]


@pytest.mark.parametrize(
    "data",
    [b"", b"\n\n", b"\xef\xbb\xbf", b"\xff\xfeh\x00i\x00", b"\x00\x01\x02", b"caf\xe9,unit\n"],
)
def test_unreadable_files_are_refused_up_front(data):
    with pytest.raises(CsvInvalid) as info:
        CsvReader(data, columns=COLS)
    assert info.value.errors
    assert all(e.line in (0, 1) for e in info.value.errors)


def test_error_text_names_line_and_column():
    assert str(CsvError(3, "unit", "okänd")) == "rad 3, kolumn unit: okänd"
    assert str(CsvError(3, None, "fel")) == "rad 3: fel"
    assert str(CsvError(0, None, "tom")) == "tom"
