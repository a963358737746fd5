"""The case-event import (DESIGN.md "Case-event CSV"): one pass, set-based writes.

`import_rows` is the core every bulk path shares (CSV command, upload page, API, demo):

1. Validate each row in one streaming pass against lookup dicts loaded up front (units by
   code, users by username) and copy every valid row into a temporary staging table
   (PostgreSQL: COPY; SQLite: executemany). No model instance is ever built per row.
2. Checks that need the whole file run as SQL on the staging table: an event_id twice in
   the file, a case given two client references, a case that belongs to another client.
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
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import IO, Any

from django.contrib.auth import get_user_model
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from goals.models import Unit
from trelleborg.csvread import CsvError, CsvInvalid, CsvReader, CsvRow
from trelleborg.months import month_of, today
from trelleborg.vocabulary import DecisionMode, EventType, ExitReason, Program, Source

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
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

EVENT_TYPES = frozenset(EventType.values)
EXIT_REASONS = frozenset(ExitReason.values)
PROGRAMS = frozenset(Program.values)
DECISION_MODES = frozenset(DecisionMode.values)


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
        self.allowed: set[int] | None = (
            None if allowed_units is None else {unit.pk for unit in allowed_units}
        )
        # Departed caseworkers still name historic cases: any existing user counts.
        self.users = dict(get_user_model().objects.values_list("username", "id"))
        self.today = today().isoformat()
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
    cursor.execute(
        """CREATE TEMPORARY TABLE cases_import_stage (
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
            self.cursor.executemany(self._insert, self._batch)
            self._batch = []

    def close(self, failed: bool = False) -> None:
        if self._copy_cm is not None:
            cm, self._copy_cm = self._copy_cm, None
            if failed:
                cm.__exit__(RuntimeError, RuntimeError("import aborted"), None)
            else:
                cm.__exit__(None, None, None)
        elif self._batch and not failed:
            self.cursor.executemany(self._insert, self._batch)
            self._batch = []


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


def _stage_rows(
    rows: Iterable[Any], lookups: _Lookups, stager: _Stager, errors: list[CsvError]
) -> int:
    """Validate every row, stage the valid ones; returns the number of rows read."""
    units, users, allowed = lookups.units, lookups.users, lookups.allowed
    date_error = lookups.date_error
    looks_like_pn = looks_like_personal_number
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
        event_id = get("event_id", "")
        case_number = get("case_id", "")
        client_ref = get("client_ref", "")
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
            if not value:
                bad(column, _("Värde saknas."))
            elif len(value) > MAX_LENGTH:
                bad(column, _("Högst %(max)d tecken.") % {"max": MAX_LENGTH})
        if client_ref and looks_like_pn(client_ref):
            # The value itself is never repeated: it must not end up in logs or pages.
            bad("client_ref", str(PERSONAL_NUMBER_MESSAGE))
        unit = units.get(unit_code)
        if unit is None:
            if unit_code:
                bad("unit", _("Okänd enhet %(value)r.") % {"value": unit_code[:64]})
            else:
                bad("unit", _("Värde saknas."))
        elif allowed is not None and unit[0] not in allowed:
            bad(
                "unit",
                _("Du får inte importera händelser för enheten %(value)r.") % {"value": unit_code},
            )
        caseworker_id = None
        if username:
            caseworker_id = users.get(username)
            if caseworker_id is None:
                bad("caseworker", _("Okänd användare %(value)r.") % {"value": username[:150]})
        if event_type not in EVENT_TYPES:
            if event_type:
                bad(
                    "event_type",
                    _("Okänd händelsetyp %(value)r; giltiga: %(valid)s.")
                    % {"value": event_type[:40], "valid": ", ".join(EventType.values)},
                )
            else:
                bad("event_type", _("Värde saknas."))
        if message := date_error(occurred_on):
            bad("occurred_on", message)
        if event_type == EventType.EXIT:
            if not reason:
                bad(
                    "reason",
                    _("Ett avslut kräver en orsak: %(valid)s.")
                    % {"valid": ", ".join(ExitReason.values)},
                )
            elif reason not in EXIT_REASONS:
                bad(
                    "reason",
                    _("Okänd orsak %(value)r; giltiga: %(valid)s.")
                    % {"value": reason[:40], "valid": ", ".join(ExitReason.values)},
                )
        elif reason:
            bad("reason", _("Orsak anges bara för avslut (event_type exit)."))
        if program not in PROGRAMS:
            bad(
                "program",
                _("Okänt program %(value)r; giltiga: %(valid)s.")
                % {"value": program[:40], "valid": ", ".join(Program.values)},
            )
        if event_type == EventType.DECISION:
            if not decision_mode:
                decision_mode = DecisionMode.MANUAL
            elif decision_mode not in DECISION_MODES:
                bad(
                    "decision_mode",
                    _("Okänt beslutssätt %(value)r; giltiga: %(valid)s.")
                    % {"value": decision_mode[:40], "valid": ", ".join(DecisionMode.values)},
                )
        elif decision_mode:
            bad("decision_mode", _("Beslutssätt anges bara för beslut (event_type decision)."))

        if row_errors:
            errors.extend(row_errors)
            if len(errors) >= MAX_ERRORS:
                raise _TooManyErrors(line)
            continue
        # Valid rows are staged even after an error elsewhere, so that the whole-file checks
        # (duplicated event_id, …) report on them too: one run shows every problem.
        add(
            (
                line,
                event_id,
                unit[1],
                case_number,
                client_ref,
                unit[0],
                caseworker_id,
                event_type,
                occurred_on,
                reason,
                program,
                decision_mode,
            )
        )
    return count


# --- whole-file checks and classification (SQL over the staging table) ----------------------


def _file_checks(cursor, errors: list[CsvError]) -> None:
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
                  GROUP BY org_id, case_number HAVING COUNT(DISTINCT client_ref) > 1) f
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
    cursor.execute(
        """SELECT s.line, s.case_number
            FROM cases_import_stage s
            JOIN cases_case c ON c.organisation_id = s.org_id AND c.case_number = s.case_number
            JOIN cases_client cl ON cl.id = c.client_id
            WHERE cl.ref <> s.client_ref
            ORDER BY s.line LIMIT %s""",
        [limit],
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


def _classify(cursor, result: ImportResult) -> None:
    cursor.execute(
        """UPDATE cases_import_stage SET existing_id = e.id
            FROM cases_caseevent AS e
            WHERE e.organisation_id = cases_import_stage.org_id AND e.event_id = cases_import_stage.event_id"""
    )
    cursor.execute(
        """UPDATE cases_import_stage SET changed = TRUE
            FROM cases_caseevent AS e JOIN cases_case AS c ON c.id = e.case_id
            WHERE e.id = cases_import_stage.existing_id
              AND (c.case_number <> cases_import_stage.case_number OR e.unit_id <> cases_import_stage.unit_id
                   OR e.event_type <> cases_import_stage.event_type
                   OR e.occurred_on <> cases_import_stage.occurred_on
                   OR e.reason <> cases_import_stage.reason OR e.program <> cases_import_stage.program
                   OR e.decision_mode <> cases_import_stage.decision_mode)"""
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


def _touched(cursor) -> tuple[set[int], set[dt.date]]:
    """Units and months of new and changed rows, old values included (before the update)."""
    pairs: set[tuple[int, dt.date]] = set()
    cursor.execute(
        "SELECT DISTINCT unit_id, occurred_on FROM cases_import_stage WHERE existing_id IS NULL OR changed"
    )
    pairs.update((unit_id, month_of(_as_date(day))) for unit_id, day in cursor.fetchall())
    cursor.execute(
        """SELECT DISTINCT e.unit_id, e.occurred_on
            FROM cases_caseevent e JOIN cases_import_stage s ON e.id = s.existing_id WHERE s.changed"""
    )
    pairs.update((unit_id, month_of(_as_date(day))) for unit_id, day in cursor.fetchall())
    return {u for u, _m in pairs}, {m for _u, m in pairs}


def _analyze_if_grown(cursor, table: str, inserted: int) -> None:
    """Refresh PostgreSQL's statistics of a table this import just grew a lot.

    The next statements join it: with statistics that still say "empty" the planner picks
    nested loops over sequential scans and a 100 000-row import takes minutes, not seconds.
    ANALYZE samples a fixed number of rows, so it costs well under a second at any size.
    """
    if _is_postgres() and inserted > 1_000:
        cursor.execute(_ANALYZE[table])


_ANALYZE = {
    "cases_client": "ANALYZE cases_client",
    "cases_case": "ANALYZE cases_case",
    "cases_caseevent": "ANALYZE cases_caseevent",
}


def _write(cursor, result: ImportResult, *, source: str, user_id: int | None) -> None:
    ops = connection.ops
    now = ops.adapt_datetimefield_value(timezone.now())

    # Clients of cases that do not exist yet (a known client may open a new case).
    cursor.execute(
        """INSERT INTO cases_client (organisation_id, ref, created_at)
            SELECT DISTINCT s.org_id, s.client_ref, %s FROM cases_import_stage s
            WHERE NOT EXISTS (SELECT 1 FROM cases_case c
                              WHERE c.organisation_id = s.org_id
                                AND c.case_number = s.case_number)
              AND NOT EXISTS (SELECT 1 FROM cases_client cl
                              WHERE cl.organisation_id = s.org_id AND cl.ref = s.client_ref)""",
        [now],
    )
    result.clients_created = max(cursor.rowcount, 0)
    _analyze_if_grown(cursor, "cases_client", result.clients_created)
    # Existing cases follow the file's latest new or changed event when nothing in the
    # database is later (a case that moved to another unit or caseworker).
    cursor.execute(
        """UPDATE cases_case
            SET unit_id = l.unit_id, program = l.program,
                caseworker_id = COALESCE(l.caseworker_id, cases_case.caseworker_id)
            FROM (SELECT s.org_id, s.case_number, s.client_ref, s.unit_id, s.caseworker_id, s.program,
           s.occurred_on, s.existing_id, s.changed,
           ROW_NUMBER() OVER (
               PARTITION BY s.org_id, s.case_number ORDER BY s.occurred_on DESC, s.line DESC
           ) AS rn
    FROM cases_import_stage s) AS l
            WHERE l.rn = 1 AND (l.existing_id IS NULL OR l.changed)
              AND cases_case.organisation_id = l.org_id
              AND cases_case.case_number = l.case_number
              AND (cases_case.unit_id <> l.unit_id OR cases_case.program <> l.program
                   OR (l.caseworker_id IS NOT NULL
                       AND (cases_case.caseworker_id IS NULL
                            OR cases_case.caseworker_id <> l.caseworker_id)))
              AND NOT EXISTS (SELECT 1 FROM cases_caseevent e
                              WHERE e.case_id = cases_case.id AND e.occurred_on > l.occurred_on)"""
    )
    # New cases take unit, caseworker and program from their latest event in the file.
    cursor.execute(
        """INSERT INTO cases_case
                (organisation_id, case_number, client_id, unit_id, caseworker_id, program,
                 created_at)
            SELECT l.org_id, l.case_number, cl.id, l.unit_id, l.caseworker_id, l.program, %s
            FROM (SELECT s.org_id, s.case_number, s.client_ref, s.unit_id, s.caseworker_id, s.program,
           s.occurred_on, s.existing_id, s.changed,
           ROW_NUMBER() OVER (
               PARTITION BY s.org_id, s.case_number ORDER BY s.occurred_on DESC, s.line DESC
           ) AS rn
    FROM cases_import_stage s) AS l
            JOIN cases_client cl ON cl.organisation_id = l.org_id AND cl.ref = l.client_ref
            WHERE l.rn = 1
              AND NOT EXISTS (SELECT 1 FROM cases_case c
                              WHERE c.organisation_id = l.org_id
                                AND c.case_number = l.case_number)""",
        [now],
    )
    result.cases_created = max(cursor.rowcount, 0)
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
                    decision_mode = s.decision_mode, updated_at = %s
                FROM cases_import_stage AS s
                JOIN cases_case AS c
                  ON c.organisation_id = s.org_id AND c.case_number = s.case_number
                WHERE cases_caseevent.id = s.existing_id AND s.changed""",
            [now],
        )
    if result.new:
        cursor.execute(
            """INSERT INTO cases_caseevent
                    (organisation_id, event_id, case_id, unit_id, event_type, occurred_on,
                     reason, program, decision_mode, source, recorded_by_id, recorded_at,
                     updated_at)
                SELECT s.org_id, s.event_id, c.id, s.unit_id, s.event_type, s.occurred_on,
                       s.reason, s.program, s.decision_mode, %s, %s, %s, %s
                FROM cases_import_stage s
                JOIN cases_case c
                  ON c.organisation_id = s.org_id AND c.case_number = s.case_number
                WHERE s.existing_id IS NULL""",
            [source, user_id, now, now],
        )
        # Not needed by this import, but the next one classifies against this table.
        _analyze_if_grown(cursor, "cases_caseevent", result.new)


# --- entry points ---------------------------------------------------------------------------


def import_rows(
    rows: Iterable[Mapping[str, Any] | CsvRow],
    *,
    source: str,
    user=None,
    dry_run: bool = False,
    allowed_units: Iterable[Unit] | None = None,
) -> ImportResult:
    """Validate and (unless `dry_run` or any error) write case events, all or nothing.

    `rows` are mappings with the CSV columns as keys (`COLUMNS`; missing optional keys are
    empty) or `CsvRow`s from `trelleborg.csvread`. Errors name the row (a CSV row's file
    line; otherwise the 1-based position in `rows`) and the column. `allowed_units` limits
    the units rows may name (None: every unit). `user` is recorded as recorded_by / changed_by.
    """
    return _import(rows, [], source=source, user=user, dry_run=dry_run, allowed_units=allowed_units)


def import_file(
    stream: IO[bytes] | bytes,
    *,
    source: str = Source.IMPORT,
    user=None,
    dry_run: bool = False,
    allowed_units: Iterable[Unit] | None = None,
) -> ImportResult:
    """`import_rows` over a CSV file (bytes or a binary stream), file rules included."""
    errors: list[CsvError] = []
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
        reader, errors, source=source, user=user, dry_run=dry_run, allowed_units=allowed_units
    )


def _import(
    rows: Iterable[Any],
    errors: list[CsvError],
    *,
    source: str,
    user,
    dry_run: bool,
    allowed_units: Iterable[Unit] | None,
) -> ImportResult:
    result = ImportResult(dry_run=dry_run, errors=errors)
    lookups = _Lookups(allowed_units)
    with transaction.atomic(), connection.cursor() as cursor:
        _create_stage(cursor)
        stager = _Stager(cursor)
        try:
            result.rows = _stage_rows(rows, lookups, stager, errors)
        except _TooManyErrors as stop:
            stopped = True
            stager.close(failed=True)
            errors.append(CsvError(int(str(stop)), None, _("För många fel; läsningen avbröts.")))
        except BaseException:
            stager.close(failed=True)
            raise
        else:
            stager.close()
            stopped = False
        if result.rows == 0 and not errors:
            errors.append(CsvError(0, None, _("Filen innehåller inga händelser.")))
        if stager.count and not stopped:
            if _is_postgres():
                cursor.execute("ANALYZE cases_import_stage")  # temp tables are never auto-analysed
                if stager.count > 50_000:
                    # Set-based statements over a big staging table want hash joins; one
                    # misestimated nested loop turns seconds into hours. Small imports keep
                    # the planner's index lookups. SET LOCAL ends with the transaction.
                    cursor.execute("SET LOCAL enable_nestloop = off")
            cursor.execute(
                "CREATE INDEX cases_import_stage_key ON cases_import_stage (org_id, event_id)"
            )
            cursor.execute(
                "CREATE INDEX cases_import_stage_case ON cases_import_stage (org_id, case_number)"
            )
            _file_checks(cursor, errors)
        if not errors:
            _classify(cursor, result)
        if errors or dry_run:
            errors.sort(
                key=lambda e: (e.line, COLUMNS.index(e.column) if e.column in COLUMNS else 99)
            )
            cursor.execute("DROP TABLE IF EXISTS cases_import_stage")
            transaction.set_rollback(True)
            return result
        unit_ids, months = _touched(cursor)
        _write(cursor, result, source=source, user_id=getattr(user, "pk", None))
        result.written = True
        result.unit_ids, result.months = frozenset(unit_ids), frozenset(months)
        import_written.send(
            sender=ImportResult, cursor=cursor, result=result, source=source, user=user
        )
        cursor.execute("DROP TABLE IF EXISTS cases_import_stage")
        announce_events_changed(unit_ids=unit_ids, months=months)
    return result
