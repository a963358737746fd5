"""Step 4: clients, cases and events written from the staging table in a handful of
set-based statements, and the import's record."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import connection
from django.utils import timezone

from .base import CaseChange, ImportResult, _is_postgres, _plan


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
    from ..models import EventImport

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
