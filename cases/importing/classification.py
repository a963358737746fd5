"""Steps 2 and 3: the whole-file checks and the classification of the staged rows, in SQL
over the staging table."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext as _

from goals.models import MonthFollowUp
from trelleborg.csvread import CsvError
from trelleborg.months import month_of
from trelleborg.vocabulary import Source

from .. import corrections, rules
from ..rules import Scope
from .base import MAX_ERRORS, ImportResult

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
