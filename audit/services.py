"""Audit entries for writes that bypass model signals: the bulk event import.

The import (cases.importing) writes with a handful of set-based SQL statements and sends
`cases.signals.import_written` inside its transaction while its staging table still
exists. From it we write, in the same transaction:
  - one entry per new event (set-based: one INSERT … SELECT, as cheap as the import's own),
  - one entry per changed event with its values before (CaseEventHistory) and after,
    filed under its new unit and, when it moved, under its old unit too,
  - one entry per case whose unit, caseworker or program the import changed, filed under
    the case's new unit and, when it moved, its old unit too (the manager who lost a case
    sees where it went),
  - one summary entry per unit the import touched (counts, who, source).

Every entry carries the import's `context`: the API passes its token's id (kept in
`additional_data`, with the token's owner as the actor) and the caller's address.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.utils import timezone

from .models import AuditEntry

EVENT_FIELDS = ("event_type", "occurred_on", "reason", "program", "decision_mode")


def _json(function: str) -> str:
    # PostgreSQL 15 has no SQL-standard JSON_OBJECT yet; SQLite has no jsonb_build_object.
    if connection.vendor == "postgresql":
        return {"object": "jsonb_build_object", "array": "jsonb_build_array"}[function]
    return {"object": "json_object", "array": "json_array"}[function]


def _created_changes() -> str:
    """SQL for a new event's `changes`: {"field": [null, value], …} as django-auditlog
    writes a create. On PostgreSQL the JSON text is put together and parsed once, a third
    cheaper than nested jsonb_build_* calls; the free-text values (event id, case number,
    unit code) are quoted by to_json, the others are validated vocabulary and ISO dates."""
    names = ("event_id", "case", "unit", *EVENT_FIELDS)
    values = {"event_id": "s.event_id", "case": "s.case_number", "unit": "u.code"}
    if connection.vendor != "postgresql":
        obj, arr = _json("object"), _json("array")
        values["occurred_on"] = "CAST(s.occurred_on AS text)"
        pairs = ", ".join(
            f"'{name}', {arr}(NULL, {values.get(name, 's.' + name)})" for name in names
        )
        return f"{obj}({pairs})"
    parts = []
    for name in names:
        column = "CAST(s.occurred_on AS text)" if name == "occurred_on" else f"s.{name}"
        text = f"to_json({values[name]})" if name in values else f"'\"' || {column} || '\"'"
        parts.append(f"'\"{name}\": [null, ' || {text} || ']'")
    return "CAST('{' || " + " || ', ' || ".join(parts) + " || '}' AS jsonb)"


def _created_entries(
    cursor, *, ct_id: int, actor_id, now, source: str, batch: str, context: dict
) -> None:
    # The same for every row: one JSON value, parsed once (a constant), not built per row.
    postgres = connection.vendor == "postgresql"
    additional = "CAST(%s AS jsonb)" if postgres else "json(%s)"
    address = "CAST(%s AS inet)" if postgres else "%s"
    changes = _created_changes()
    cursor.execute(
        f"""INSERT INTO audit_auditentry
                (content_type_id, object_pk, object_id, object_repr, action, changes_text,
                 changes, actor_id, timestamp, additional_data, unit_path, source, cid,
                 remote_addr)
            SELECT %s, CAST(s.new_id AS text), s.new_id, s.event_id, %s, '', {changes}, %s, %s,
                   {additional}, u.path, %s, %s, {address}
            FROM cases_import_stage s
            JOIN goals_unit u ON u.id = s.unit_id
            WHERE s.existing_id IS NULL""",  # noqa: S608 (only our own SQL fragments)
        [
            ct_id,
            AuditEntry.Action.CREATE,
            actor_id,
            now,
            json.dumps({"import": batch, **_extra(context)}),
            source,
            batch,
            context.get("remote_addr"),
        ],
    )


def _extra(context: dict) -> dict:
    """What of an import's context goes into additional_data (the address has a column)."""
    return {key: value for key, value in context.items() if key != "remote_addr"}


def _changed_entries(
    cursor, *, ct, actor, now, source: str, batch: str, context: dict
) -> list[AuditEntry]:
    from cases.models import CaseEventHistory
    from goals.models import Unit

    cursor.execute(
        """SELECT s.existing_id, s.event_id, s.case_number, s.unit_id, s.event_type,
                  s.occurred_on, s.reason, s.program, s.decision_mode
           FROM cases_import_stage s WHERE s.changed"""
    )
    rows = cursor.fetchall()
    if not rows:
        return []
    units = dict(Unit.objects.values_list("pk", "code"))
    paths = dict(Unit.objects.values_list("pk", "path"))
    paths_by_code = dict(Unit.objects.values_list("code", "path"))
    before: dict[int, dict] = {}
    history = CaseEventHistory.objects.filter(event_id__in=[r[0] for r in rows]).order_by(
        "event_id", "-changed_at", "-id"
    )
    for event_id, previous in history.values_list("event_id", "previous").iterator():
        before.setdefault(event_id, previous)
    entries = []
    for pk, event_id, case_number, unit_id, *values in rows:
        after = dict(zip(EVENT_FIELDS, (str(v) for v in values), strict=True))
        after.update(case=case_number, unit=units.get(unit_id, ""))
        old = before.get(pk, {})
        changes = {
            name: [None if old.get(name) is None else str(old.get(name)), value]
            for name, value in after.items()
            if str(old.get(name, "")) != value
        }
        unit_paths = [paths.get(unit_id, "")]
        old_path = paths_by_code.get(old.get("unit") or "", "")
        if old_path and old_path not in unit_paths:
            unit_paths.append(old_path)  # moved: the old unit's managers see it left
        entries.extend(
            AuditEntry(
                content_type=ct,
                object_pk=str(pk),
                object_id=pk,
                object_repr=event_id,
                action=AuditEntry.Action.UPDATE,
                changes=changes,
                actor=actor,
                timestamp=now,
                additional_data={"import": batch, **_extra(context)},
                unit_path=unit_path,
                source=source,
                cid=batch,
                remote_addr=context.get("remote_addr"),
            )
            for unit_path in unit_paths
        )
    return entries


def _case_entries(result: Any, *, actor, now, source: str, batch: str, context: dict):
    """One entry per case the import moved or reassigned, under its new and old unit."""
    from django.contrib.auth import get_user_model

    from cases.models import Case
    from goals.models import Unit

    changes_of = getattr(result, "case_changes", None) or []
    if not changes_of:
        return []
    ct = ContentType.objects.get_for_model(Case)
    unit_ids = {c.old_unit_id for c in changes_of} | {c.new_unit_id for c in changes_of}
    units = {
        pk: (code, path)
        for pk, code, path in Unit.objects.filter(pk__in=unit_ids).values_list("pk", "code", "path")
    }
    user_ids = {c.old_caseworker_id for c in changes_of} | {c.new_caseworker_id for c in changes_of}
    users = dict(
        get_user_model().objects.filter(pk__in=user_ids - {None}).values_list("pk", "username")
    )
    entries = []
    for change in changes_of:
        diff: dict[str, list] = {}
        if change.old_unit_id != change.new_unit_id:
            diff["unit"] = [units[change.old_unit_id][0], units[change.new_unit_id][0]]
        if change.old_caseworker_id != change.new_caseworker_id:
            diff["caseworker"] = [
                users.get(change.old_caseworker_id),
                users.get(change.new_caseworker_id),
            ]
        if change.old_program != change.new_program:
            diff["program"] = [change.old_program, change.new_program]
        paths = [units[change.new_unit_id][1]]
        if units[change.old_unit_id][1] not in paths:
            paths.append(units[change.old_unit_id][1])
        entries.extend(
            AuditEntry(
                content_type=ct,
                object_pk=str(change.case_id),
                object_id=change.case_id,
                object_repr=change.case_number,
                action=AuditEntry.Action.UPDATE,
                changes=diff,
                actor=actor,
                timestamp=now,
                additional_data={"import": batch, **_extra(context)},
                unit_path=path,
                source=source,
                cid=batch,
                remote_addr=context.get("remote_addr"),
            )
            for path in paths
        )
    return entries


def record_import(
    *, cursor, result: Any, source: str, user=None, context: dict | None = None, **kwargs
) -> None:
    """Receiver of cases.signals.import_written (see the module docstring)."""
    context = context or {}
    from cases.models import CaseEvent
    from goals.models import Unit

    ct = ContentType.objects.get_for_model(CaseEvent)
    actor = user if getattr(user, "is_authenticated", False) else None
    now = timezone.now()
    batch = f"import-{uuid.uuid4().hex}"
    if result.new:
        _created_entries(
            cursor,
            ct_id=ct.pk,
            actor_id=getattr(actor, "pk", None),
            now=now,
            source=source,
            batch=batch,
            context=context,
        )
    entries = _changed_entries(
        cursor, ct=ct, actor=actor, now=now, source=source, batch=batch, context=context
    )
    entries += _case_entries(
        result, actor=actor, now=now, source=source, batch=batch, context=context
    )
    summary = {
        "rows": result.rows,
        "new": result.new,
        "changed": result.changed,
        "unchanged": result.unchanged,
        "clients_created": result.clients_created,
        "cases_created": result.cases_created,
    }
    text = (
        f"Import: {result.rows} rader, {result.new} nya, {result.changed} ändrade, "
        f"{result.unchanged} oförändrade"
    )
    for unit in Unit.objects.filter(pk__in=result.unit_ids):
        entries.append(
            AuditEntry(
                content_type=ct,
                object_pk="",
                object_repr=text,
                action=AuditEntry.Action.CREATE,
                changes_text=text,
                actor=actor,
                timestamp=now,
                additional_data={"import": batch, **summary, **_extra(context)},
                unit_path=unit.path,
                source=source,
                cid=batch,
                remote_addr=context.get("remote_addr"),
            )
        )
    AuditEntry.objects.bulk_create(entries, batch_size=1000)
