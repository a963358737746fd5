"""Step 1b: validated rows into the temporary staging table, by either path: row by row
(`_stage_rows`: mappings, and CSV files the fast path hands back) or the CSV fast path
(`_stage_csv_fast`)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from itertools import repeat
from typing import IO, Any

from django.db import DatabaseError, transaction
from django.utils.translation import gettext as _

from trelleborg.csvread import CsvError, CsvReader
from trelleborg.vocabulary import DecisionMode, EventType, Program

from .. import rules
from .base import COLUMNS, IDENTIFIER_COLUMNS, MAX_ERRORS, MAX_LENGTH, _is_postgres
from .validation import (
    _caseworker_error,
    _decision_mode_error,
    _event_type_error,
    _id_personal_number_error,
    _identifier_errors,
    _Lookups,
    _personal_number_error,
    _program_error,
    _reason_error,
    _rows_with_lines,
    _TooManyErrors,
    _unit_error,
)

# --- staging --------------------------------------------------------------------------------

_STAGE_INSERT = """INSERT INTO cases_import_stage
    (line, event_id, org_id, case_number, client_ref, unit_id, caseworker_id, event_type,
     occurred_on, reason, program, decision_mode)
    VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"""
_STAGE_COPY = """COPY cases_import_stage
    (line, event_id, org_id, case_number, client_ref, unit_id, caseworker_id, event_type,
     occurred_on, reason, program, decision_mode) FROM STDIN"""


_BATCH = 5_000


def _create_stage(cursor) -> None:
    if _is_postgres():
        # Temp tables live in per-session buffers (8 MB by default); a million staged rows
        # would spill to disk on every pass. The setting can only change before the session
        # first touches a temp table, so a reused connection may refuse: that only costs speed.
        try:
            with transaction.atomic():
                cursor.execute("SET temp_buffers = '256MB'")
        except DatabaseError:
            pass
    cursor.execute("DROP TABLE IF EXISTS cases_import_stage")
    # new_id: the id a new event gets. On PostgreSQL every staged row draws one from the
    # events' own sequence as COPY writes it (cheaper than any later pass; rows that turn
    # out to exist leave a gap, as any rolled-back insert does), so receivers of
    # `import_written` find a new event's id here instead of looking each one up in the
    # events table; elsewhere it is filled in after the insert.
    new_id = "new_id bigint NULL"
    if _is_postgres():
        cursor.execute("SELECT pg_get_serial_sequence('cases_caseevent', 'id')")
        sequence = cursor.fetchone()[0]
        new_id = f"new_id bigint NULL DEFAULT nextval('{sequence}'::regclass)"
    cursor.execute(
        f"""CREATE TEMPORARY TABLE cases_import_stage (
            {new_id},
            line integer NOT NULL,
            event_id varchar(64) NOT NULL,
            org_id bigint NOT NULL,
            case_number varchar(64) NOT NULL,
            client_ref varchar(64) NOT NULL,
            unit_id bigint NOT NULL,
            caseworker_id bigint NULL,
            event_type varchar(32) NOT NULL,
            occurred_on date NOT NULL,
            reason varchar(20) NOT NULL,
            program varchar(32) NOT NULL,
            decision_mode varchar(12) NOT NULL,
            existing_id bigint NULL,
            changed boolean NOT NULL DEFAULT FALSE
        )"""
    )


class _Stager:
    """Feeds valid rows into the staging table: COPY on PostgreSQL, batches elsewhere."""

    def __init__(self, cursor):
        self.cursor = cursor
        self.count = 0
        self._copy_cm = None
        self._copy = None
        self._batch: list[tuple] = []
        if _is_postgres():
            self._copy_cm = cursor.cursor.copy(_STAGE_COPY)
            self._copy = self._copy_cm.__enter__()
        else:
            self._insert = _STAGE_INSERT

    def add(self, row: tuple) -> None:
        self.count += 1
        if self._copy is not None:
            self._copy.write_row(row)
            return
        self._batch.append(row)
        if len(self._batch) >= _BATCH:
            self._flush()

    def add_columns(self, columns: Sequence[Sequence[str]], *, escape: bool) -> None:
        """Stage rows given as text columns (`_FastChunk.staged_columns`)."""
        rows = len(columns[0])
        self.count += rows
        if self._copy is not None:
            if escape:  # COPY text format: backslash and tab are escaped in the free-text columns
                columns = list(columns)
                for index in (1, 3, 4):
                    columns[index] = [
                        v.replace("\\", "\\\\").replace("\t", "\\t") for v in columns[index]
                    ]
            self._copy.write("\n".join(map("\t".join, zip(*columns, strict=True))) + "\n")
            return
        integer = {0, 2, 5, 6}
        typed = [
            [None if v == r"\N" else int(v) for v in column] if index in integer else column
            for index, column in enumerate(columns)
        ]
        self._flush()
        self.cursor.executemany(self._insert, list(zip(*typed, strict=True)))

    def _flush(self) -> None:
        if self._batch:
            self.cursor.executemany(self._insert, self._batch)
            self._batch = []

    def close(self, failed: bool = False) -> None:
        if self._copy_cm is not None:
            cm, self._copy_cm = self._copy_cm, None
            if failed:
                cm.__exit__(RuntimeError, RuntimeError("import aborted"), None)
            else:
                cm.__exit__(None, None, None)
        elif not failed:
            self._flush()


def _stage_rows(
    rows: Iterable[Any], lookups: _Lookups, stager: _Stager, errors: list[CsvError]
) -> int:
    """Validate every row, stage the valid ones; returns the number of rows read.

    The row-by-row path: mappings (API, demo) and the CSV files the fast path hands back
    (`_stage_csv_fast`). Both use the same per-value checks, in the same order.
    """
    units, users = lookups.units, lookups.users
    date_error = lookups.date_error
    count = 0
    add = stager.add
    append_error = errors.append

    for line, values, is_csv in _rows_with_lines(rows):
        count += 1
        row_errors: list[CsvError] = []

        def bad(column: str, message: str, line: int = line, row_errors=row_errors) -> None:
            row_errors.append(CsvError(line, column, message))

        if not is_csv:
            if not isinstance(values, Mapping):
                append_error(CsvError(line, None, _("Raden är inte ett objekt.")))
                continue
            for key in values:
                if key not in COLUMNS:
                    bad(str(key)[:40], _("Okänd kolumn."))
            values = {key: "" if v is None else str(v).strip() for key, v in values.items()}
        get = values.get
        event_id = rules.normalize_identifier(get("event_id", ""))
        case_number = rules.normalize_identifier(get("case_id", ""))
        client_ref = rules.normalize_identifier(get("client_ref", ""))
        unit_code = get("unit", "")
        username = get("caseworker", "")
        event_type = get("event_type", "")
        occurred_on = get("occurred_on", "")
        reason = get("reason", "")
        program = get("program", "") or Program.FORSORJNINGSSTOD
        decision_mode = get("decision_mode", "")

        for column, value in (
            ("event_id", event_id),
            ("case_id", case_number),
            ("client_ref", client_ref),
        ):
            if message := _identifier_errors(column, value):
                bad(column, message)
        if message := _personal_number_error(client_ref):
            bad("client_ref", message)
        if message := _unit_error(unit_code, lookups):
            bad("unit", message)
        if message := _caseworker_error(username, lookups):
            bad("caseworker", message)
        if message := _event_type_error(event_type):
            bad("event_type", message)
        if message := date_error(occurred_on):
            bad("occurred_on", message)
        if message := _reason_error(event_type, reason):
            bad("reason", message)
        if message := _program_error(program):
            bad("program", message)
        if message := _decision_mode_error(event_type, decision_mode):
            bad("decision_mode", message)
        if event_type == EventType.DECISION and not decision_mode:
            decision_mode = DecisionMode.MANUAL

        if row_errors:
            errors.extend(row_errors)
            if len(errors) >= MAX_ERRORS:
                raise _TooManyErrors(line)
            continue
        # Valid rows are staged even after an error elsewhere, so that the whole-file checks
        # (duplicated event_id, …) report on them too: one run shows every problem.
        unit = units[unit_code]
        add(
            (
                line,
                event_id,
                unit[1],
                case_number,
                client_ref,
                unit[0],
                users[username] if username else None,
                event_type,
                occurred_on,
                reason,
                program,
                decision_mode,
            )
        )
    return count


# --- the fast path for CSV files --------------------------------------------------------------
#
# A million-row file through the row-by-row path costs ~20 µs a row in Python. Most files are
# plain: no quotes, UTF-8, no control characters, short lines. Such a file is read in chunks of
# whole lines, each line split on the delimiter (exactly what the csv module would return for
# it), and checked column by column: every check is a function of one value (or of the pair
# event_type + value), so it runs once per distinct value, and rows are only looked at one by
# one in a column that has a bad value. Valid rows go to the staging table as one COPY text
# block per chunk. Anything the fast path does not handle exactly (a quote, a line that is not
# UTF-8, a control character, a bare CR, a long line, many errors) sends the whole file back
# to the streaming reader, from its first data line: same rows, same errors, only slower.

_CHUNK_BYTES = 4 << 20
# The characters trelleborg.csvread refuses in a field (tab, LF and CR are allowed).
_CONTROL_BYTES = bytes([*range(9), 11, 12, *range(14, 32), 127])


class _Fallback(Exception):
    """The fast path cannot read this file exactly as `CsvReader` does."""


def _edge_space(delimiter: str) -> re.Pattern[str]:
    d = re.escape(delimiter)
    return re.compile(rf"(?:^|{d})[^\S\n]|[^\S\n](?:{d}|$)", re.MULTILINE)


def _chunks(stream: IO[bytes], max_line: int) -> Iterator[bytes]:
    """Blocks of whole lines (the last one may lack its newline at the end of the file)."""
    while data := stream.read(_CHUNK_BYTES):
        if not data.endswith(b"\n"):
            tail = stream.readline(max_line + 2)
            if tail and not tail.endswith(b"\n") and len(tail) > max_line:
                raise _Fallback
            data += tail
        yield data


def _where(column: Sequence[Any], messages: Mapping[Any, str]) -> Iterator[tuple[int, str]]:
    """(row index, message) of every value of `column` that has a message."""
    get = messages.get
    for index, value in enumerate(column):
        if (message := get(value)) is not None:
            yield index, message


class _FastChunk:
    """One block of lines, checked column by column (see the comment above)."""

    def __init__(self, data: bytes, first_line: int, reader: CsvReader, max_field: int):
        delimiter, header = reader.delimiter, reader.header
        # Control characters are ASCII bytes, never part of a multi-byte UTF-8 sequence.
        if b'"' in data or len(data.translate(None, _CONTROL_BYTES)) != len(data):
            raise _Fallback
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise _Fallback from None
        if "\r" in text:
            if text.count("\r") != text.count("\r\n"):
                raise _Fallback  # a bare CR: the csv module's business
            text = text.replace("\r\n", "\n")
        if text.endswith("\n"):
            text = text[:-1]  # the newline that ends the block
        lines = text.split("\n")
        self.physical_lines = len(lines)
        if max(map(len, lines)) > max_field:
            raise _Fallback  # a field might be too long: the reader names it
        strip = (not text.isascii() or " " in text or "\t" in text) and bool(
            _edge_space(delimiter).search(text)
        )
        self.has_escapes = "\\" in text or "\t" in text
        self.errors: list[CsvError] = []
        width = len(header)
        columns: list[list[str]] | None = None
        line_numbers: Sequence[int] = range(first_line, first_line + len(lines))
        if set(map(str.count, lines, repeat(delimiter))) == {width - 1}:
            # Every line has the header's width: one split for the whole block, then every
            # column is a slice.
            values = text.replace("\n", delimiter).split(delimiter)
            if strip:
                values = [value.strip() for value in values]
            columns = [values[k::width] for k in range(width)]
            if "" in columns[0]:
                columns = None  # maybe a blank line of delimiters: the row-by-row way
        if columns is None:
            # Blank lines and rows of the wrong width: the rare case, row by row.
            rows, numbers = [], []
            for number, line in zip(line_numbers, lines, strict=True):
                row = line.split(delimiter)
                if strip:
                    row = [value.strip() for value in row]
                if not "".join(row).strip():
                    continue
                if len(row) != width:
                    self.errors.append(
                        CsvError(
                            number,
                            None,
                            _("Raden har %(got)d fält men rubrikraden %(want)d.")
                            % {"got": len(row), "want": width},
                        )
                    )
                    continue
                rows.append(row)
                numbers.append(number)
            line_numbers = numbers
            columns = [list(column) for column in zip(*rows, strict=True)] or [[]] * width
        self.lines = line_numbers
        self.rows = n = len(line_numbers)
        by_name = dict(zip(header, columns, strict=True))
        self.columns: dict[str, Sequence[str]] = {
            name: by_name[name] if name in by_name else [""] * n for name in COLUMNS
        }
        # ASCII without tabs holds no control, format or private-use character, and NFC
        # leaves it as it is: only other chunks have their identifiers normalised and checked.
        self.plain = text.isascii() and "\t" not in text
        if not text.isascii():
            for name in IDENTIFIER_COLUMNS:
                self.columns[name] = list(map(rules.normalize_identifier, self.columns[name]))

    def check(self, lookups: _Lookups) -> set[int]:
        """Append every row's errors to self.errors; return the indexes of bad rows."""
        cols, lines = self.columns, self.lines
        found: list[tuple[int, str, str]] = []  # (row index, column, message)

        def by_value(column: str, values: Sequence[Any], check) -> None:
            messages = {}
            for value in set(values):
                if (message := check(value)) is not None:
                    messages[value] = message
            if messages:
                found.extend((i, column, m) for i, m in _where(values, messages))

        for column in IDENTIFIER_COLUMNS:
            values = cols[column]
            if values and (
                not self.plain
                or min(map(len, values)) == 0
                or max(map(len, values)) > MAX_LENGTH
                # One search over the whole column: a value with a personal number makes the
                # joined column have one too, so most chunks need no look at single values.
                or (column != "client_ref" and _id_personal_number_error("\n".join(values)))
            ):
                by_value(column, values, lambda value, c=column: _identifier_errors(c, value))
        by_value("client_ref", cols["client_ref"], _personal_number_error)
        by_value("unit", cols["unit"], lambda code: _unit_error(code, lookups))
        by_value("caseworker", cols["caseworker"], lambda name: _caseworker_error(name, lookups))
        event_types = cols["event_type"]
        by_value("event_type", event_types, _event_type_error)
        by_value("occurred_on", cols["occurred_on"], lookups.date_error)
        by_value(
            "reason",
            list(zip(event_types, cols["reason"], strict=True)),
            lambda p: _reason_error(*p),
        )
        by_value(
            "program",
            cols["program"],
            lambda program: _program_error(program or Program.FORSORJNINGSSTOD),
        )
        by_value(
            "decision_mode",
            list(zip(event_types, cols["decision_mode"], strict=True)),
            lambda p: _decision_mode_error(*p),
        )
        if not found:
            return set()
        order = {name: index for index, name in enumerate(COLUMNS)}
        found.sort(key=lambda f: (f[0], order[f[1]]))  # the row-by-row order (stable)
        self.errors.extend(CsvError(lines[i], column, message) for i, column, message in found)
        self.errors.sort(key=lambda e: e.line)
        return {i for i, _column, _message in found}

    def staged_columns(self, lookups: _Lookups, bad: set[int]) -> list[Sequence[str]]:
        """The valid rows as text columns in `_STAGE_COPY` order (no caseworker: COPY's NULL)."""
        cols, lines = self.columns, self.lines
        if bad:
            keep = [i for i in range(self.rows) if i not in bad]
            cols = {name: [values[i] for i in keep] for name, values in cols.items()}
            lines = [lines[i] for i in keep]
        unit_codes = cols["unit"]
        units = {code: lookups.units[code] for code in set(unit_codes)}
        users = lookups.users
        caseworkers = {
            name: str(users[name]) if name else r"\N" for name in set(cols["caseworker"])
        }
        event_types = cols["event_type"]
        programs = cols["program"]
        if "" in programs:
            programs = [p or Program.FORSORJNINGSSTOD for p in programs]
        modes = cols["decision_mode"]
        if (EventType.DECISION, "") in set(zip(event_types, modes, strict=True)):
            modes = [
                DecisionMode.MANUAL if t == EventType.DECISION and not m else m
                for t, m in zip(event_types, modes, strict=True)
            ]
        org_ids = {code: str(ids[1]) for code, ids in units.items()}
        unit_ids = {code: str(ids[0]) for code, ids in units.items()}
        return [
            list(map(str, lines)),
            cols["event_id"],
            list(map(org_ids.__getitem__, unit_codes)),
            cols["case_id"],
            cols["client_ref"],
            list(map(unit_ids.__getitem__, unit_codes)),
            list(map(caseworkers.__getitem__, cols["caseworker"])),
            event_types,
            cols["occurred_on"],
            cols["reason"],
            programs,
            modes,
        ]


def _stage_csv_fast(
    reader: CsvReader,
    stream: IO[bytes],
    lookups: _Lookups,
    stager: _Stager,
    errors: list[CsvError],
) -> int:
    """Stage a plain CSV file chunk by chunk; raises `_Fallback` (see above)."""
    count = 0
    line = 2  # the header is line 1
    max_field = reader.max_field_size
    for data in _chunks(stream, max_field):
        chunk = _FastChunk(data, line, reader, max_field)
        line += chunk.physical_lines
        count += chunk.rows
        bad = chunk.check(lookups)
        errors.extend(chunk.errors)
        if len(errors) >= MAX_ERRORS:
            raise _Fallback  # where reading stops and what it reports: the reader decides
        if chunk.rows > len(bad):
            stager.add_columns(chunk.staged_columns(lookups, bad), escape=chunk.has_escapes)
    return count
