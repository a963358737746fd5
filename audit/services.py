"""Audit entries for writes that bypass model signals: the bulk event import.

The import (cases.importing) writes with a handful of set-based SQL statements and sends
`cases.signals.import_written` inside its transaction while its staging table still
exists. From it we write, in the same transaction:
  - one entry per new event (set-based: one INSERT … SELECT, as cheap as the import's own),
  - one entry per changed event with its values before (CaseEventHistory) and after,
  - one summary entry per unit the import touched (counts, who, source).
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


def _created_entries(cursor, *, ct_id: int, actor_id, now, source: str, batch: str) -> None:
    # The same for every row: one JSON value, parsed once (a constant), not built per row.
    additional = "CAST(%s AS jsonb)" if connection.vendor == "postgresql" else "json(%s)"
    changes = _created_changes()
    cursor.execute(
        f"""INSERT INTO audit_auditentry
                (content_type_id, object_pk, object_id, object_repr, action, changes_text,
                 changes, actor_id, timestamp, additional_data, unit_path, source, cid)
            SELECT %s, CAST(s.new_id AS text), s.new_id, s.event_id, %s, '', {changes}, %s, %s,
                   {additional}, u.path, %s, %s
            FROM cases_import_stage s
            JOIN goals_unit u ON u.id = s.unit_id
            WHERE s.existing_id IS NULL""",  # noqa: S608 (only our own SQL fragments)
        [
            ct_id,
            AuditEntry.Action.CREATE,
            actor_id,
            now,
            json.dumps({"import": batch}),
            source,
            batch,
        ],
    )


def _changed_entries(cursor, *, ct, actor, now, source: str, batch: str) -> list[AuditEntry]:
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
        entries.append(
            AuditEntry(
                content_type=ct,
                object_pk=str(pk),
                object_id=pk,
                object_repr=event_id,
                action=AuditEntry.Action.UPDATE,
                changes=changes,
                actor=actor,
                timestamp=now,
                additional_data={"import": batch},
                unit_path=paths.get(unit_id, ""),
                source=source,
                cid=batch,
            )
        )
    return entries


def record_import(*, cursor, result: Any, source: str, user=None, **kwargs) -> None:
    """Receiver of cases.signals.import_written (see the module docstring)."""
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
        )
    entries = _changed_entries(cursor, ct=ct, actor=actor, now=now, source=source, batch=batch)
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
                additional_data={"import": batch, **summary},
                unit_path=unit.path,
                source=source,
                cid=batch,
            )
        )
    AuditEntry.objects.bulk_create(entries, batch_size=1000)
