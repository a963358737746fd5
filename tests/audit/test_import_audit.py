"""The bulk import bypasses model signals; audit records it through cases' import_written."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType

from audit.models import AuditEntry
from cases.importing import import_file
from cases.models import CaseEvent

pytestmark = pytest.mark.django_db

HEADER = "event_id,case_id,client_ref,unit,caseworker,event_type,occurred_on,reason,program,decision_mode"
GOOD = [
    "e1,C1,K-001,unit-a,alice,application_received,2018-01-03,,,",
    "e2,C1,K-001,unit-a,alice,exit,2018-02-01,work,,",
    "e3,C2,K-002,unit-b,,application_received,2018-01-05,,etablering,",
]


def csv(*lines: str) -> bytes:
    return ("\n".join([HEADER, *lines]) + "\n").encode()


def _event_entries():
    return AuditEntry.objects.filter(content_type=ContentType.objects.get_for_model(CaseEvent))


def test_each_imported_event_gets_a_create_entry_with_its_values(alice, carl, maria, org):
    result = import_file(csv(*GOOD), user=maria)
    assert result.written
    created = _event_entries().filter(action=AuditEntry.Action.CREATE).exclude(object_pk="")
    assert created.count() == 3
    e2 = created.get(object_repr="e2")
    assert e2.object_pk == str(CaseEvent.objects.get(event_id="e2").pk)
    assert e2.changes["reason"] == [None, "work"]
    assert e2.changes["occurred_on"] == [None, "2018-02-01"]
    assert e2.changes["unit"] == [None, "unit-a"]
    assert (e2.actor, e2.source, e2.unit_path) == (maria, "import", org["a"].path)


def test_create_entries_quote_free_text_values(alice, maria, org):
    # Event ids and case numbers are free text: the entry's JSON must hold them verbatim.
    line = '"e""7\\",C"7\\,K-007,unit-a,alice,decision,2018-01-03,,,automated'
    result = import_file(csv(line), user=maria)
    assert result.written, result.error_lines()
    entry = _event_entries().exclude(object_pk="").get()
    event = CaseEvent.objects.get()
    assert event.event_id == 'e"7\\'
    assert entry.object_id == event.pk and entry.object_pk == str(event.pk)
    assert entry.changes == {
        "event_id": [None, 'e"7\\'],
        "case": [None, 'C"7\\'],
        "unit": [None, "unit-a"],
        "event_type": [None, "decision"],
        "occurred_on": [None, "2018-01-03"],
        "reason": [None, ""],
        "program": [None, "forsorjningsstod"],
        "decision_mode": [None, "automated"],
    }


def test_a_summary_per_touched_unit(alice, carl, maria, org):
    import_file(csv(*GOOD), user=maria)
    summaries = _event_entries().filter(object_pk="")
    assert {s.unit_path for s in summaries} == {org["a"].path, org["b"].path}
    summary = summaries.first()
    assert summary.additional_data["rows"] == 3
    assert summary.additional_data["new"] == 3
    assert summary.actor == maria


def test_changed_rows_record_before_and_after(alice, carl, maria, org):
    import_file(csv(*GOOD), user=maria)
    import_file(csv(GOOD[0], "e2,C1,K-001,unit-b,alice,exit,2018-03-05,studies,,"), user=maria)
    updates = _event_entries().filter(action=AuditEntry.Action.UPDATE)
    update = updates.get(unit_path=org["b"].path)
    assert update.object_repr == "e2"
    assert update.changes["reason"] == ["work", "studies"]
    assert update.changes["occurred_on"] == ["2018-02-01", "2018-03-05"]
    assert update.changes["unit"] == ["unit-a", "unit-b"]
    assert "event_type" not in update.changes  # unchanged values are not listed
    # The event moved from unit A: A's managers see the same entry in their log.
    old_unit = updates.get(unit_path=org["a"].path)
    assert old_unit.changes == update.changes and old_unit.object_id == update.object_id


def test_failed_or_dry_imports_leave_no_entries(alice, carl, maria):
    before = AuditEntry.objects.count()
    import_file(csv(*GOOD), user=maria, dry_run=True)
    import_file(csv(*GOOD, "e9,C9,K-009,no-such-unit,,exit,2018-01-01,work,,"), user=maria)
    assert AuditEntry.objects.count() == before


def test_reimporting_the_same_file_adds_only_a_summary(alice, carl, maria):
    import_file(csv(*GOOD), user=maria)
    before = _event_entries().exclude(object_pk="").count()
    import_file(csv(*GOOD), user=maria)
    assert _event_entries().exclude(object_pk="").count() == before
