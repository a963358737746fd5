"""The case-event import (DESIGN.md "Case-event CSV"): one pass, set-based writes.

`import_rows` is the core every bulk path shares (CSV command, upload page, API, demo):

1. Validate each row in one streaming pass against lookup dicts loaded up front (units by
   code, users by username) and copy every valid row into a temporary staging table
   (PostgreSQL: COPY; SQLite: executemany). No model instance is ever built per row.
2. Checks that need the whole file run as SQL on the staging table: an event_id twice in
   the file, a case given two client references, a case that belongs to another client,
   and the writer's scope (cases.rules.Scope): a row naming a case or an event that lies
   outside it is refused without a word about where it lies.
   The row rules themselves (values, identifiers, personal numbers, the date floor) are
   cases.rules', the same the page, the admin and the API use.
3. Classify in SQL: a row whose (organisation, event_id) is new, changed or unchanged.
4. Unless there was an error or it is a dry run: create the missing clients and cases,
   keep the previous values of changed events in CaseEventHistory, update the changed
   events and insert the new ones: a handful of INSERT … SELECT / UPDATE … FROM statements.

Everything runs in one transaction; any error (or a dry run) rolls it all back, so a file
with one bad row writes nothing. `events_changed` is announced once, after commit, with the
units and months of new rows and both the old and new units and months of changed rows.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import repeat
from typing import IO, Any

from django.contrib.auth import get_user_model
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from goals.models import MonthFollowUp, Unit
from trelleborg.csvread import CsvError, CsvInvalid, CsvReader, CsvRow
from trelleborg.months import month_of, today
from trelleborg.vocabulary import DecisionMode, EventType, Program, Source

from . import corrections, rules
from .rules import Scope
from .signals import announce_events_changed, import_written
from .validators import MESSAGE as PERSONAL_NUMBER_MESSAGE
from .validators import looks_like_personal_number

COLUMNS = (
    "event_id",
    "case_id",
    "client_ref",
    "unit",
    "caseworker",
    "event_type",
    "occurred_on",
    "reason",
    "program",
    "decision_mode",
)
REQUIRED_COLUMNS = ("event_id", "case_id", "client_ref", "unit", "event_type", "occurred_on")
MAX_LENGTH = 64  # event_id, case_id, client_ref (the model fields' max_length)
MAX_ERRORS = 5_000
STAGE = "cases_import_stage"
_BATCH = 5_000
_BIG = 50_000  # staged rows from which joins over the staging table are never nested loops
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

EVENT_TYPES = rules.EVENT_TYPES
IDENTIFIER_COLUMNS = ("event_id", "case_id", "client_ref")


@dataclass(frozen=True)
class CaseChange:
    """An existing case whose unit, caseworker or program an import changed."""

    case_id: int
    case_number: str
    old_unit_id: int
    new_unit_id: int
    old_caseworker_id: int | None
    new_caseworker_id: int | None
    old_program: str
    new_program: str


@dataclass
class ImportResult:
    """What an import found and (unless `written` is False) did."""

    rows: int = 0
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    clients_created: int = 0
    cases_created: int = 0
    errors: list[CsvError] = field(default_factory=list)
    dry_run: bool = False
    written: bool = False
    unit_ids: frozenset[int] = frozenset()
    months: frozenset[dt.date] = frozenset()
    case_changes: list[CaseChange] = field(default_factory=list)
    # Rows whose event was withdrawn in EOR (cases.models.WithdrawnEvent): skipped, so a
    # re-import never brings a withdrawn exit back. (line, event_id), the first SKIPPED_SHOWN.
    skipped: int = 0
    skipped_rows: list[tuple[int, str]] = field(default_factory=list)
    # The EventImport this import wrote (cases.models), None unless `written`.
    import_id: int | None = None

    @property
    def ok(self) -> bool:
        return not self.errors

    def error_lines(self) -> list[str]:
        return [str(error) for error in self.errors]


class _Lookups:
    """Everything a row is checked against, loaded once per import."""

    def __init__(self, allowed_units: Iterable[Unit] | None):
        units = list(Unit.objects.values_list("id", "code", "path"))
        root_ids = {code: pk for pk, code, path in units if path.count("/") == 2}
        self.units: dict[str, tuple[int, int]] = {
            code: (pk, root_ids[path.strip("/").split("/")[0]]) for pk, code, path in units
        }
        self.scope = Scope.of_units(allowed_units)
        # Departed caseworkers still name historic cases: any existing user counts.
        self.users = dict(get_user_model().objects.values_list("username", "id"))
        self.today = today().isoformat()
        self.floor = rules.earliest_event_date().isoformat()
        self.dates: dict[str, str | None] = {}  # text -> error message (None: valid)

    def date_error(self, text: str) -> str | None:
        try:
            return self.dates[text]
        except KeyError:
            pass
        message = None
        if not text:
            message = _("Datum saknas.")
        elif not _DATE.match(text):
            message = _("Ogiltigt datum %(value)r; använd ÅÅÅÅ-MM-DD.") % {"value": text[:20]}
        else:
            try:
                dt.date.fromisoformat(text)
            except ValueError:
                message = _("Ogiltigt datum %(value)r; använd ÅÅÅÅ-MM-DD.") % {"value": text}
            else:
                if text > self.today:
                    message = _("Datumet %(value)s ligger i framtiden.") % {"value": text}
                elif text < self.floor:
                    message = _(
                        "Datumet %(value)s ligger före %(floor)s (tidigaste datum för händelser)."
                    ) % {"value": text, "floor": self.floor}
        if len(self.dates) < 100_000:
            self.dates[text] = message
        return message


# --- staging --------------------------------------------------------------------------------

_STAGE_INSERT = """INSERT INTO cases_import_stage
    (line, event_id, org_id, case_number, client_ref, unit_id, caseworker_id, event_type,
     occurred_on, reason, program, decision_mode)
    VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"""
_STAGE_COPY = """COPY cases_import_stage
    (line, event_id, org_id, case_number, client_ref, unit_id, caseworker_id, event_type,
     occurred_on, reason, program, decision_mode) FROM STDIN"""


def _is_postgres() -> bool:
    return connection.vendor == "postgresql"


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


# How PostgreSQL should join, statement by statement. Two kinds of statement run here:
# - set-based ones over the staging table and tables of about a case a client or less
#   (file checks, new clients, cases and events): hash joins, and never a nested loop over
#   a big staging table (one misestimated nested loop turns seconds into hours);
# - ones that look rows of cases_caseevent (ten million rows nationally) up from the
#   staging table by key (classification, a case's later events, history, and the
#   receivers of `import_written`): index lookups. A hash join would read the whole
#   events table for each of them.
_HASH_JOINS = (
    "SET LOCAL enable_hashjoin = on",
    "SET LOCAL enable_mergejoin = on",
)
_INDEX_LOOKUPS = (
    "SET LOCAL enable_nestloop = on",
    "SET LOCAL enable_hashjoin = off",
    "SET LOCAL enable_mergejoin = off",
)
# What the import changes for its own statements, put back to the session's values at the
# end (a caller's enclosing transaction keeps its own plans).
_PLANNER_SETTINGS = ("enable_nestloop", "enable_hashjoin", "enable_mergejoin", "work_mem", "jit")


def _plan(cursor, *, index_lookups: bool, big: bool = False) -> None:
    if not _is_postgres():
        return
    statements = _INDEX_LOOKUPS if index_lookups else _HASH_JOINS
    if not index_lookups:
        statements += (f"SET LOCAL enable_nestloop = {'off' if big else 'on'}",)
    for statement in statements:
        cursor.execute(statement)


def _plan_defaults(cursor) -> None:
    if _is_postgres():
        for name in _PLANNER_SETTINGS:
            cursor.execute(f"SET LOCAL {name} TO DEFAULT")


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


# --- the pass over the rows -----------------------------------------------------------------


class _TooManyErrors(Exception):
    pass


def _rows_with_lines(rows: Iterable[Any]) -> Iterator[tuple[int, Mapping[str, Any], bool]]:
    """(line, values, is_csv): CSV rows carry their file line; other rows (API, demo) are
    numbered from 1 in the order given and have their keys checked."""
    for index, row in enumerate(rows, start=1):
        if isinstance(row, CsvRow):
            yield row.line, row.values, True
        else:
            yield index, row, False


def _required_error(value: str) -> str | None:
    """event_id, case_id, client_ref: present and not longer than the model field."""
    if not value:
        return _("Värde saknas.")
    if len(value) > MAX_LENGTH:
        return _("Högst %(max)d tecken.") % {"max": MAX_LENGTH}
    return None


def _personal_number_error(client_ref: str) -> str | None:
    # The value itself is never repeated: it must not end up in logs or pages.
    if client_ref and looks_like_personal_number(client_ref):
        return str(PERSONAL_NUMBER_MESSAGE)
    return None


def _id_personal_number_error(value: str) -> str | None:
    """event_id, case_id: a source system's ids, refused when they hold a checksum-valid
    personal number (the free-text strength: a numeric id may look like a date by chance)."""
    return rules.text_personal_number_error(value)


def _identifier_errors(column: str, value: str) -> str | None:
    """event_id, case_id, client_ref (NFC-normalised already): present, not too long, no
    control/format/private-use character; ids with no personal number (client_ref has its
    own, stricter check below)."""
    message = _required_error(value) or rules.identifier_error(value)
    if message is None and column != "client_ref":
        message = _id_personal_number_error(value)
    return message


def _unit_error(code: str, lookups: _Lookups) -> str | None:
    unit = lookups.units.get(code)
    if unit is None:
        if code:
            return _("Okänd enhet %(value)r.") % {"value": code[:64]}
        return _("Värde saknas.")
    if not lookups.scope.allows(unit[0]):
        return _("Du får inte importera händelser för enheten %(value)r.") % {"value": code}
    return None


def _caseworker_error(username: str, lookups: _Lookups) -> str | None:
    if username and username not in lookups.users:
        return _("Okänd användare %(value)r.") % {"value": username[:150]}
    return None


_event_type_error = rules.event_type_error
_reason_error = rules.reason_error
_program_error = rules.program_error
_decision_mode_error = rules.decision_mode_error


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


# --- whole-file checks and classification (SQL over the staging table) ----------------------


def _file_checks(cursor, errors: list[CsvError], scope: Scope) -> None:
    limit = MAX_ERRORS
    cursor.execute(
        """SELECT s.line, s.event_id, f.first_line
            FROM cases_import_stage s
            JOIN (SELECT org_id, event_id, MIN(line) AS first_line FROM cases_import_stage
                  GROUP BY org_id, event_id HAVING COUNT(*) > 1) f
              ON f.org_id = s.org_id AND f.event_id = s.event_id
            WHERE s.line <> f.first_line
            ORDER BY s.line LIMIT %s""",
        [limit],
    )
    for line, event_id, first_line in cursor.fetchall():
        errors.append(
            CsvError(
                line,
                "event_id",
                _("event_id %(value)r förekommer redan på rad %(first)d i filen.")
                % {"value": event_id, "first": first_line},
            )
        )
    cursor.execute(
        """SELECT s.line, s.case_number, f.first_line
            FROM cases_import_stage s
            JOIN (SELECT org_id, case_number, MIN(line) AS first_line FROM cases_import_stage
                  GROUP BY org_id, case_number HAVING MIN(client_ref) <> MAX(client_ref)) f
              ON f.org_id = s.org_id AND f.case_number = s.case_number
            JOIN cases_import_stage s0 ON s0.org_id = f.org_id AND s0.case_number = f.case_number
                           AND s0.line = f.first_line
            WHERE s.client_ref <> s0.client_ref
            ORDER BY s.line LIMIT %s""",
        [limit],
    )
    for line, case_number, first_line in cursor.fetchall():
        errors.append(
            CsvError(
                line,
                "client_ref",
                _("Ärende %(case)r har en annan klientreferens på rad %(first)d.")
                % {"case": case_number, "first": first_line},
            )
        )
    # A case outside the scope gets the scope's error instead (_scope_checks): this one
    # would tell that its client is someone else.
    outside, outside_params = scope.sql_outside("c.unit_id")
    cursor.execute(
        f"""SELECT s.line, s.case_number
            FROM cases_import_stage s
            JOIN cases_case c ON c.organisation_id = s.org_id AND c.case_number = s.case_number
            JOIN cases_client cl ON cl.id = c.client_id
            WHERE cl.ref <> s.client_ref AND NOT ({outside})
            ORDER BY s.line LIMIT %s""",  # noqa: S608 (only our own SQL fragments)
        [*outside_params, limit],
    )
    for line, case_number in cursor.fetchall():
        errors.append(
            CsvError(
                line,
                "client_ref",
                _("Ärende %(case)r hör redan till en annan klientreferens.")
                % {"case": case_number},
            )
        )


def _scope_checks(cursor, errors: list[CsvError], scope: Scope) -> None:
    """The scope rule (cases.rules.Scope) for every staged row: the case it names and the
    event it names, where they exist, must lie in the scope now (the row's own unit, where
    they will be after, was checked row by row). The error names the line and the column,
    never the other unit, client or caseworker."""
    if scope.unrestricted:
        return
    case_outside, case_params = scope.sql_outside("c.unit_id")
    event_outside, event_params = scope.sql_outside("e.unit_id")
    event_case_outside, event_case_params = scope.sql_outside("ec.unit_id")
    cursor.execute(
        f"""SELECT s.line, 'case_id'
            FROM cases_import_stage s
            JOIN cases_case c ON c.organisation_id = s.org_id AND c.case_number = s.case_number
            WHERE {case_outside}
            UNION
            SELECT s.line, 'event_id'
            FROM cases_import_stage s
            JOIN cases_caseevent e ON e.organisation_id = s.org_id AND e.event_id = s.event_id
            JOIN cases_case ec ON ec.id = e.case_id
            WHERE {event_outside} OR {event_case_outside}
            ORDER BY 1 LIMIT %s""",  # noqa: S608 (only our own SQL fragments)
        [*case_params, *event_params, *event_case_params, MAX_ERRORS],
    )
    message = str(rules.OUT_OF_SCOPE_MESSAGE)
    errors.extend(CsvError(line, column, message) for line, column in cursor.fetchall())


SKIPPED_SHOWN = 100


def _skip_withdrawn(cursor, result: ImportResult) -> None:
    """Drop the staged rows whose (organisation, event_id) was withdrawn in EOR: someone
    said, with a reason, that the event was logged by mistake; the source system re-sending
    it is not a reason to count it again. Reported, not an error: the rest imports."""
    cursor.execute(
        """SELECT s.line, s.event_id FROM cases_import_stage s
            JOIN cases_withdrawnevent w ON w.organisation_id = s.org_id
                                       AND w.event_id = s.event_id
            ORDER BY s.line"""
    )
    rows = cursor.fetchall()
    if not rows:
        return
    result.skipped = len(rows)
    result.skipped_rows = [(int(line), str(event_id)) for line, event_id in rows[:SKIPPED_SHOWN]]
    cursor.execute(
        """DELETE FROM cases_import_stage
            WHERE EXISTS (SELECT 1 FROM cases_withdrawnevent w
                          WHERE w.organisation_id = cases_import_stage.org_id
                            AND w.event_id = cases_import_stage.event_id)"""
    )


def _classify(cursor, result: ImportResult) -> None:
    """Mark the staged rows whose (organisation, event_id) exists, and which of those differ."""
    cursor.execute(
        """UPDATE cases_import_stage
            SET existing_id = e.id,
                changed = (c.case_number <> cases_import_stage.case_number
                           OR e.unit_id <> cases_import_stage.unit_id
                           OR e.event_type <> cases_import_stage.event_type
                           OR e.occurred_on <> cases_import_stage.occurred_on
                           OR e.reason <> cases_import_stage.reason
                           OR e.program <> cases_import_stage.program
                           OR e.decision_mode <> cases_import_stage.decision_mode)
            FROM cases_caseevent AS e JOIN cases_case AS c ON c.id = e.case_id
            WHERE e.organisation_id = cases_import_stage.org_id
              AND e.event_id = cases_import_stage.event_id"""
    )
    cursor.execute(
        """SELECT COALESCE(SUM(CASE WHEN existing_id IS NULL THEN 1 ELSE 0 END), 0),
                   COALESCE(SUM(CASE WHEN changed THEN 1 ELSE 0 END), 0),
                   COUNT(*)
            FROM cases_import_stage"""
    )
    new, changed, total = cursor.fetchone()
    result.new, result.changed = int(new), int(changed)
    result.unchanged = int(total) - result.new - result.changed


def _as_date(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])


def _touched(cursor, changed: int) -> tuple[set[int], set[dt.date]]:
    """Units and months of new and changed rows, old values included (before the update)."""
    pairs: set[tuple[int, dt.date]] = set()
    cursor.execute(
        "SELECT DISTINCT unit_id, occurred_on FROM cases_import_stage WHERE existing_id IS NULL OR changed"
    )
    pairs.update((unit_id, month_of(_as_date(day))) for unit_id, day in cursor.fetchall())
    if not changed:
        return {u for u, _m in pairs}, {m for _u, m in pairs}
    cursor.execute(
        """SELECT DISTINCT e.unit_id, e.occurred_on
            FROM cases_caseevent e JOIN cases_import_stage s ON e.id = s.existing_id WHERE s.changed"""
    )
    pairs.update((unit_id, month_of(_as_date(day))) for unit_id, day in cursor.fetchall())
    return {u for u, _m in pairs}, {m for _u, m in pairs}


def _corrections(cursor, result: ImportResult, *, source: str, user, context) -> None:
    """Record the import's changes in closed months as corrections (cases.corrections),
    before the write (a changed event's old unit and date are still in the table). Nothing
    is read when no month anywhere is closed. The demo's own load (source "demo", in steps
    after goals closes the demo's months) is the data being made, not a correction."""
    if source == Source.DEMO:
        return
    if not MonthFollowUp.objects.filter(closed_at__isnull=False).exists():
        return
    cursor.execute(
        """SELECT unit_id, occurred_on, COUNT(*) FROM cases_import_stage
            WHERE existing_id IS NULL GROUP BY unit_id, occurred_on"""
    )
    new_rows = [(u, _as_date(d), n) for u, d, n in cursor.fetchall()]
    changed_rows = []
    if result.changed:
        cursor.execute(
            """SELECT e.unit_id, e.occurred_on, s.unit_id, s.occurred_on, COUNT(*)
                FROM cases_import_stage s JOIN cases_caseevent e ON e.id = s.existing_id
                WHERE s.changed GROUP BY e.unit_id, e.occurred_on, s.unit_id, s.occurred_on"""
        )
        changed_rows = [
            (ou, _as_date(od), nu, _as_date(nd), n) for ou, od, nu, nd, n in cursor.fetchall()
        ]
    corrections.record_import(new_rows, changed_rows, by=user, source=source, context=context)


def _analyze_if_grown(cursor, table: str, inserted: int) -> None:
    """Refresh PostgreSQL's statistics of a table this import just grew a lot.

    The next statements join it: with statistics that still say "empty" the planner picks
    nested loops over sequential scans and a 100 000-row import takes minutes, not seconds.
    A table that grew by less than a fifth keeps its statistics: the planner scales row
    counts by the table's current size anyway, autovacuum re-analyses it after the commit,
    and ANALYZE of the ten-million-row events table costs seconds (it reads 30 000 pages).
    """
    if not _is_postgres() or inserted <= 1_000:
        return
    cursor.execute("SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [table])
    row = cursor.fetchone()
    if row is None or inserted * 5 > row[0]:
        cursor.execute(_ANALYZE[table])


_ANALYZE = {
    "cases_client": "ANALYZE cases_client",
    "cases_case": "ANALYZE cases_case",
    "cases_caseevent": "ANALYZE cases_caseevent",
}


def _write(
    cursor, result: ImportResult, *, source: str, user_id: int | None, big: bool, import_id: int
) -> None:
    ops = connection.ops
    now = ops.adapt_datetimefield_value(timezone.now())
    # Clients and cases are written from one row per case (cases_import_latest): lookups
    # by key into cases_client and cases_case; only the events join the whole staging table.
    _plan(cursor, index_lookups=True)

    # Each case's latest row in the file, computed once (a sort of the whole staging table).
    cursor.execute("DROP TABLE IF EXISTS cases_import_latest")
    cursor.execute(
        """CREATE TEMPORARY TABLE cases_import_latest AS
            SELECT org_id, case_number, client_ref, unit_id, caseworker_id, program,
                   occurred_on, existing_id, changed
            FROM (SELECT s.org_id, s.case_number, s.client_ref, s.unit_id, s.caseworker_id,
                         s.program, s.occurred_on, s.existing_id, s.changed,
                         ROW_NUMBER() OVER (
                             PARTITION BY s.org_id, s.case_number
                             ORDER BY s.occurred_on DESC, s.line DESC
                         ) AS rn
                  FROM cases_import_stage s) AS l
            WHERE l.rn = 1"""
    )
    if _is_postgres():
        cursor.execute("ANALYZE cases_import_latest")
    # Clients of cases that do not exist yet (a known client may open a new case).
    cursor.execute(
        """INSERT INTO cases_client (organisation_id, ref, created_at)
            SELECT DISTINCT l.org_id, l.client_ref, %s FROM cases_import_latest l
            WHERE NOT EXISTS (SELECT 1 FROM cases_case c
                              WHERE c.organisation_id = l.org_id
                                AND c.case_number = l.case_number)
              AND NOT EXISTS (SELECT 1 FROM cases_client cl
                              WHERE cl.organisation_id = l.org_id AND cl.ref = l.client_ref)""",
        [now],
    )
    result.clients_created = max(cursor.rowcount, 0)
    _analyze_if_grown(cursor, "cases_client", result.clients_created)
    # Existing cases follow the file's latest new or changed event when nothing in the
    # database is later (a case that moved to another unit or caseworker). The cases that
    # change are read first, with their values before and after, for the change log
    # (`import_written` receivers: audit.services).
    moves = """FROM cases_case JOIN cases_import_latest AS l
              ON cases_case.organisation_id = l.org_id
             AND cases_case.case_number = l.case_number
            WHERE (l.existing_id IS NULL OR l.changed)
              AND (cases_case.unit_id <> l.unit_id OR cases_case.program <> l.program
                   OR (l.caseworker_id IS NOT NULL
                       AND (cases_case.caseworker_id IS NULL
                            OR cases_case.caseworker_id <> l.caseworker_id)))
              AND NOT EXISTS (SELECT 1 FROM cases_caseevent e
                              WHERE e.case_id = cases_case.id AND e.occurred_on > l.occurred_on)"""
    cursor.execute(
        f"""SELECT cases_case.id, cases_case.case_number,
                   cases_case.unit_id, l.unit_id,
                   cases_case.caseworker_id, COALESCE(l.caseworker_id, cases_case.caseworker_id),
                   cases_case.program, l.program
            {moves}"""
    )
    result.case_changes = [CaseChange(*row) for row in cursor.fetchall()]
    if result.case_changes:
        cursor.execute(
            """UPDATE cases_case
                SET unit_id = l.unit_id, program = l.program,
                    caseworker_id = COALESCE(l.caseworker_id, cases_case.caseworker_id)
                FROM cases_import_latest AS l
                WHERE (l.existing_id IS NULL OR l.changed)
                  AND cases_case.organisation_id = l.org_id
                  AND cases_case.case_number = l.case_number
                  AND (cases_case.unit_id <> l.unit_id OR cases_case.program <> l.program
                       OR (l.caseworker_id IS NOT NULL
                           AND (cases_case.caseworker_id IS NULL
                                OR cases_case.caseworker_id <> l.caseworker_id)))
                  AND NOT EXISTS (SELECT 1 FROM cases_caseevent e
                                  WHERE e.case_id = cases_case.id
                                    AND e.occurred_on > l.occurred_on)"""
        )
    # New cases take unit, caseworker and program from their latest event in the file.
    cursor.execute(
        """INSERT INTO cases_case
                (organisation_id, case_number, client_id, unit_id, caseworker_id, program,
                 created_at)
            SELECT l.org_id, l.case_number, cl.id, l.unit_id, l.caseworker_id, l.program, %s
            FROM cases_import_latest l
            JOIN cases_client cl ON cl.organisation_id = l.org_id AND cl.ref = l.client_ref
            WHERE NOT EXISTS (SELECT 1 FROM cases_case c
                              WHERE c.organisation_id = l.org_id
                                AND c.case_number = l.case_number)""",
        [now],
    )
    result.cases_created = max(cursor.rowcount, 0)
    cursor.execute("DROP TABLE cases_import_latest")
    _analyze_if_grown(cursor, "cases_case", result.cases_created)
    if result.changed:
        history = """INSERT INTO cases_caseeventhistory
                    (event_id, changed_at, changed_by_id, source, previous)
                SELECT e.id, %s, %s, %s,
                       JSON_OBJECT('case', c.case_number, 'unit', u.code,
                                     'event_type', e.event_type, 'occurred_on', e.occurred_on,
                                     'reason', e.reason, 'program', e.program,
                                     'decision_mode', e.decision_mode)
                FROM cases_import_stage s
                JOIN cases_caseevent e ON e.id = s.existing_id
                JOIN cases_case c ON c.id = e.case_id
                JOIN goals_unit u ON u.id = e.unit_id
                WHERE s.changed"""
        if _is_postgres():  # PostgreSQL 15 has no SQL-standard JSON_OBJECT yet
            history = history.replace("JSON_OBJECT", "jsonb_build_object")
        cursor.execute(history, [now, user_id, source])
        cursor.execute(
            """UPDATE cases_caseevent
                SET case_id = c.id, unit_id = s.unit_id, event_type = s.event_type,
                    occurred_on = s.occurred_on, reason = s.reason, program = s.program,
                    decision_mode = s.decision_mode, updated_at = %s,
                    changed_by_import_id = %s
                FROM cases_import_stage AS s
                JOIN cases_case AS c
                  ON c.organisation_id = s.org_id AND c.case_number = s.case_number
                WHERE cases_caseevent.id = s.existing_id AND s.changed""",
            [now, import_id],
        )
    if result.new:
        _plan(cursor, index_lookups=False, big=big)
        postgres = _is_postgres()
        cursor.execute(
            f"""INSERT INTO cases_caseevent
                    ({"id, " if postgres else ""}organisation_id, event_id, case_id, unit_id,
                     event_type, occurred_on, reason, program, decision_mode, source,
                     recorded_by_id, recorded_at, updated_at, created_by_import_id)
                SELECT {"s.new_id, " if postgres else ""}s.org_id, s.event_id, c.id, s.unit_id,
                       s.event_type, s.occurred_on, s.reason, s.program, s.decision_mode,
                       %s, %s, %s, %s, %s
                FROM cases_import_stage s
                JOIN cases_case c
                  ON c.organisation_id = s.org_id AND c.case_number = s.case_number
                WHERE s.existing_id IS NULL""",  # noqa: S608 (only our own SQL fragments)
            [source, user_id, now, now, import_id],
        )
        if not postgres:
            cursor.execute(
                """UPDATE cases_import_stage
                    SET new_id = (SELECT e.id FROM cases_caseevent e
                                  WHERE e.organisation_id = cases_import_stage.org_id
                                    AND e.event_id = cases_import_stage.event_id)
                    WHERE existing_id IS NULL"""
            )
        # Not needed by this import, but the next one classifies against this table.
        _analyze_if_grown(cursor, "cases_caseevent", result.new)


def _record(result: ImportResult, user, unit_ids: set[int], origin: Mapping[str, Any]):
    """The import's EventImport, written before its events (they point at it), in its
    transaction: one row, and one per unit it touched."""
    from .models import EventImport

    record = EventImport.objects.create(
        user=user if getattr(user, "is_authenticated", False) else None,
        rows=result.rows,
        new=result.new,
        changed=result.changed,
        unchanged=result.unchanged,
        skipped=result.skipped,
        **origin,
    )
    if unit_ids:
        record.units.add(*unit_ids)
    result.import_id = record.pk
    return record


# --- entry points ---------------------------------------------------------------------------


def import_rows(
    rows: Iterable[Mapping[str, Any] | CsvRow],
    *,
    source: str,
    user=None,
    dry_run: bool = False,
    allowed_units: Iterable[Unit] | None = None,
    context: Mapping[str, Any] | None = None,
    kind: str | None = None,
) -> ImportResult:
    """Validate and (unless `dry_run` or any error) write case events, all or nothing.

    `rows` are mappings with the CSV columns as keys (`COLUMNS`; missing optional keys are
    empty) or `CsvRow`s from `trelleborg.csvread`. Errors name the row (a CSV row's file
    line; otherwise the 1-based position in `rows`) and the column. `allowed_units` is the
    write's scope (cases.rules.Scope; None: every unit, an administrator): rows may only
    name units in it, and only cases and events that lie in it now. `user` is recorded as
    recorded_by / changed_by. `context` goes to the change log with the entries (the API
    passes its token id and the caller's address). `kind` (cases.models.ImportKind; by
    default from `source`) goes to the import's record.
    """
    return _import(
        rows,
        [],
        source=source,
        user=user,
        dry_run=dry_run,
        allowed_units=allowed_units,
        context=context,
        origin=_origin(source, kind, context),
    )


def import_file(
    stream: IO[bytes] | bytes,
    *,
    source: str = Source.IMPORT,
    user=None,
    dry_run: bool = False,
    allowed_units: Iterable[Unit] | None = None,
    context: Mapping[str, Any] | None = None,
    kind: str | None = None,
    file_name: str = "",
) -> ImportResult:
    """`import_rows` over a CSV file (bytes or a binary stream), file rules included.
    `file_name` and the SHA-256 of the bytes (a seekable stream's, from where it stands)
    go to the import's record."""
    errors: list[CsvError] = []
    if isinstance(stream, bytes):
        stream = io.BytesIO(stream)
    origin = _origin(source, kind, context, file_name=file_name)
    if not dry_run and _seekable(stream):
        origin["sha256"] = _sha256(stream)
    try:
        reader = CsvReader(
            stream,
            columns=COLUMNS,
            required=REQUIRED_COLUMNS,
            errors=errors,
            max_columns=len(COLUMNS) + 5,
            max_field_size=1_000,
            max_errors=MAX_ERRORS,
        )
    except CsvInvalid as invalid:
        return ImportResult(errors=invalid.errors, dry_run=dry_run)
    return _import(
        reader,
        errors,
        source=source,
        user=user,
        dry_run=dry_run,
        allowed_units=allowed_units,
        stream=stream if _seekable(stream) else None,
        context=context,
        origin=origin,
    )


def _origin(
    source: str, kind: str | None, context: Mapping[str, Any] | None, *, file_name: str = ""
) -> dict[str, Any]:
    """The EventImport fields that say where an import came from."""
    from .models import ImportKind

    if kind is None:
        kind = {Source.API: ImportKind.API, Source.DEMO: ImportKind.DEMO}.get(
            source, ImportKind.COMMAND
        )
    token = (context or {}).get("api_token")
    return {
        "kind": kind,
        "file_name": file_name[:255],
        "sha256": "",
        "api_token_id": token if isinstance(token, int) else None,
    }


def _sha256(stream: IO[bytes]) -> str:
    """The SHA-256 of the rest of `stream`, which is left where it was."""
    start = stream.tell()
    digest = hashlib.sha256()
    while chunk := stream.read(1 << 20):
        digest.update(chunk)
    stream.seek(start)
    return digest.hexdigest()


def _seekable(stream: IO[bytes]) -> bool:
    try:
        return bool(stream.seekable())
    except (AttributeError, OSError, ValueError):
        return False


def _import(
    rows: Iterable[Any],
    errors: list[CsvError],
    *,
    source: str,
    user,
    dry_run: bool,
    allowed_units: Iterable[Unit] | None,
    stream: IO[bytes] | None = None,
    context: Mapping[str, Any] | None = None,
    origin: Mapping[str, Any] | None = None,
) -> ImportResult:
    """`stream`: the seekable file `rows` (a CsvReader) reads, positioned after its header:
    the fast path reads it directly and hands it back to the reader when it must."""
    result = ImportResult(dry_run=dry_run, errors=errors)
    lookups = _Lookups(allowed_units)
    with transaction.atomic(), connection.cursor() as cursor:
        _create_stage(cursor)
        stager = _Stager(cursor)
        try:
            if stream is None:
                result.rows = _stage_rows(rows, lookups, stager, errors)
            else:
                start, known_errors = stream.tell(), len(errors)
                try:
                    result.rows = _stage_csv_fast(rows, stream, lookups, stager, errors)
                except _Fallback:
                    stager.close()
                    del errors[known_errors:]
                    _create_stage(cursor)
                    stream.seek(start)
                    stager = _Stager(cursor)
                    result.rows = _stage_rows(rows, lookups, stager, errors)
        except _TooManyErrors as stop:
            stopped = True
            # Finished, not aborted: an aborted COPY would abort the transaction, and the
            # staged rows go with the rollback below anyway.
            stager.close()
            errors.append(CsvError(int(str(stop)), None, _("För många fel; läsningen avbröts.")))
        except BaseException:
            stager.close(failed=True)
            raise
        else:
            stager.close()
            stopped = False
        if result.rows == 0 and not errors:
            errors.append(CsvError(0, None, _("Filen innehåller inga händelser.")))
        big = stager.count > _BIG
        if stager.count and not stopped:
            if _is_postgres():
                cursor.execute("ANALYZE cases_import_stage")  # temp tables are never auto-analysed
                # Hashes and sorts over the staging table stay in memory; compiling each
                # statement (JIT) costs more than it saves on these short plans.
                cursor.execute("SET LOCAL work_mem = '256MB'")
                cursor.execute("SET LOCAL jit = off")
            _plan(cursor, index_lookups=False, big=big)
            _file_checks(cursor, errors, lookups.scope)
            _plan(cursor, index_lookups=True)
            _scope_checks(cursor, errors, lookups.scope)
        if not errors:
            _plan(cursor, index_lookups=True)
            _skip_withdrawn(cursor, result)
            _classify(cursor, result)
        if errors or dry_run:
            errors.sort(
                key=lambda e: (e.line, COLUMNS.index(e.column) if e.column in COLUMNS else 99)
            )
            cursor.execute("DROP TABLE IF EXISTS cases_import_stage")
            transaction.set_rollback(True)
            return result
        unit_ids, months = _touched(cursor, result.changed)
        # A correction names its source like the record does: the file name, or the token.
        correction_context = {**(origin or {}), **(context or {})}
        _corrections(cursor, result, source=source, user=user, context=correction_context)
        record = _record(result, user, unit_ids, origin or _origin(source, None, context))
        _write(
            cursor,
            result,
            source=source,
            user_id=getattr(user, "pk", None),
            big=big,
            import_id=record.pk,
        )
        result.written = True
        result.unit_ids, result.months = frozenset(unit_ids), frozenset(months)
        # Receivers read the staging table (audit: one entry per new event, by its new_id;
        # changed rows by existing_id) and join small tables: no lookups into the events.
        _plan(cursor, index_lookups=False, big=big)
        import_written.send(
            sender=ImportResult,
            cursor=cursor,
            result=result,
            source=source,
            user=user,
            context=dict(context or {}),
        )
        cursor.execute("DROP TABLE IF EXISTS cases_import_stage")
        _plan_defaults(cursor)
        announce_events_changed(unit_ids=unit_ids, months=months)
    return result
