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

One module per step: `validation` (the per-value checks and their lookups), `staging`
(the staging table and both paths into it: row by row and the CSV fast path),
`classification` (the whole-file checks, withdrawn rows, new/changed/unchanged),
`writing` (clients, cases, events and the import's record); `base` holds what they share.
This module runs them in order (`_import`) and is the import's public face: every name
that was importable from `cases.importing` still is.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterable, Mapping
from typing import IO, Any

from django.db import connection, transaction
from django.utils.translation import gettext as _

from goals.models import Unit
from trelleborg.csvread import CsvError, CsvInvalid, CsvReader, CsvRow
from trelleborg.vocabulary import Source

from ..signals import announce_events_changed, import_written
from .base import (
    _BIG,
    COLUMNS,
    EVENT_TYPES,
    IDENTIFIER_COLUMNS,
    MAX_ERRORS,
    MAX_LENGTH,
    REQUIRED_COLUMNS,
    STAGE,
    CaseChange,
    ImportResult,
    _is_postgres,
    _plan,
    _plan_defaults,
)
from .classification import (
    SKIPPED_SHOWN,
    _classify,
    _corrections,
    _file_checks,
    _scope_checks,
    _skip_withdrawn,
    _touched,
)
from .staging import _create_stage, _Fallback, _stage_csv_fast, _stage_rows, _Stager
from .validation import _Lookups, _TooManyErrors
from .writing import _record, _write

__all__ = [
    "COLUMNS",
    "EVENT_TYPES",
    "IDENTIFIER_COLUMNS",
    "MAX_ERRORS",
    "MAX_LENGTH",
    "REQUIRED_COLUMNS",
    "SKIPPED_SHOWN",
    "STAGE",
    "CaseChange",
    "ImportResult",
    "import_file",
    "import_rows",
]


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
    from ..models import ImportKind

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
