"""What every step of the import shares: the columns, the result, and how PostgreSQL is
told to plan the statements over the staging table."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import connection

from trelleborg.csvread import CsvError

from .. import rules

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
_BIG = 50_000  # staged rows from which joins over the staging table are never nested loops

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


def _is_postgres() -> bool:
    return connection.vendor == "postgresql"


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
