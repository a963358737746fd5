"""Audit entries for writes that bypass model signals: the bulk event import.

The import (cases.importing) writes with a handful of set-based SQL statements and sends
`cases.signals.import_written` inside its transaction while its staging table still
exists. From it we write, in the same transaction:
  - no entry per new event: the import itself is the record (cases.models.EventImport, issue
    16 "An import is audited as one entry"); every new event points at it
    (created_by_import), so "who put this here, and when" is answered by the import,
  - one entry per changed event with its values before (CaseEventHistory) and after,
    filed under its new unit and, when it moved, under its old unit too,
  - one entry per case whose unit, caseworker or program the import changed, filed under
    the case's new unit and, when it moved, its old unit too (the manager who lost a case
    sees where it went),
  - one summary entry per unit the import touched: "Import #N av <user>: … nya, … ändrade,
    … (file, sha256 …)".

Every entry carries the import's `context`: the API passes its token's id (kept in
`additional_data`, with the token's owner as the actor) and the caller's address.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from .models import AuditEntry

EVENT_FIELDS = ("event_type", "occurred_on", "reason", "program", "decision_mode")


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


def _import_record(result: Any):
    from cases.models import EventImport

    import_id = getattr(result, "import_id", None)
    if import_id is None:
        return None
    return EventImport.objects.select_related("user").get(pk=import_id)


def _count(value: int) -> str:
    return f"{value:,}".replace(",", "\u00a0")  # 1 200: Swedish thousands


def import_line(record: Any, result: Any) -> str:
    """The change log's line for an import: "Import #N av <user>: 1 200 nya, 30 ändrade,
    5 oförändrade (fil.csv, sha256 …)". Stored as written (Swedish), as every entry's
    text is: the log is a record, not a page in the reader's language."""
    counts = [
        f"{_count(result.new)} nya",
        f"{_count(result.changed)} ändrade",
        f"{_count(result.unchanged)} oförändrade",
    ]
    if getattr(result, "skipped", 0):
        counts.append(f"{_count(result.skipped)} överhoppade")
    if record is None:
        return "Import: " + ", ".join(counts)
    text = f"Import #{record.pk} av {record.by}: " + ", ".join(counts)
    if record.source_text:
        text += f" ({record.source_text})"
    return text


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
    record = _import_record(result)
    if record is not None:
        context = {**context, "import_id": record.pk, "import_by": record.by}
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
        "skipped": getattr(result, "skipped", 0),
    }
    # The import's own entry: filed as the EventImport when there is one (the change log
    # reads "Skapad import: Import #N av …").
    summary_ct = ContentType.objects.get_for_model(record) if record is not None else ct
    summary_pk = str(record.pk) if record is not None else ""
    text = import_line(record, result)
    for unit in Unit.objects.filter(pk__in=result.unit_ids):
        entries.append(
            AuditEntry(
                content_type=summary_ct,
                object_pk=summary_pk,
                object_id=record.pk if record is not None else None,
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
