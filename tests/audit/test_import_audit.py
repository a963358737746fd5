"""The bulk import bypasses model signals; audit records it through cases' import_written."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from audit.models import AuditEntry
from cases.importing import import_file
from cases.models import CaseEvent, EventImport

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


def _import_entries():
    return AuditEntry.objects.filter(content_type=ContentType.objects.get_for_model(EventImport))


def test_imported_creations_write_no_entry_per_event(alice, carl, maria, org):
    # Issue 16, "An import is audited as one entry": the import's record answers who put
    # each new event there; the change log has one line per import and touched unit.
    result = import_file(csv(*GOOD), user=maria)
    assert result.written
    assert not _event_entries().exists()
    record = EventImport.objects.get()
    assert result.import_id == record.pk
    assert set(CaseEvent.objects.values_list("created_by_import", flat=True)) == {record.pk}
    assert set(CaseEvent.objects.values_list("changed_by_import", flat=True)) == {None}


def test_a_summary_per_touched_unit(alice, carl, maria, org):
    import_file(csv(*GOOD), file_name="januari.csv", user=maria)
    record = EventImport.objects.get()
    summaries = _import_entries()
    assert {s.unit_path for s in summaries} == {org["a"].path, org["b"].path}
    summary = summaries.first()
    assert summary.object_id == record.pk
    assert summary.additional_data["rows"] == 3
    assert summary.additional_data["new"] == 3
    assert summary.actor == maria
    assert summary.object_repr.startswith(
        f"Import #{record.pk} av {maria.get_full_name() or maria.username}: 3 nya, "
        "0 ändrade, 0 oförändrade (januari.csv, sha256 "
    )
    assert record.sha256[:12] in summary.object_repr


def test_the_change_log_shows_the_import_line(admin_client, alice, carl, maria, org):
    import_file(csv(*GOOD), user=maria)
    record = EventImport.objects.get()
    import_file(csv(GOOD[0], "e2,C1,K-001,unit-a,alice,exit,2018-03-05,studies,,"), user=maria)
    second = EventImport.objects.exclude(pk=record.pk).get()
    page = admin_client.get(reverse("audit:changes")).content.decode()
    assert f"Import #{record.pk} av" in page
    # The changed event's own entry (before and after) says which import changed it.
    assert f"importerad i import #{second.pk} av" in page
    # The filter by kind of object offers imports: only the import lines are left.
    ct = ContentType.objects.get_for_model(EventImport)
    only = admin_client.get(reverse("audit:changes"), {"model": ct.pk})
    entries = only.context["page"].object_list
    assert entries and {e.content_type_id for e in entries} == {ct.pk}


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
    assert not EventImport.objects.exists()  # refused and dry runs leave no record


def test_reimporting_the_same_file_adds_no_event_entries(alice, carl, maria):
    import_file(csv(*GOOD), user=maria)
    import_file(csv(*GOOD), user=maria)
    assert not _event_entries().exists()
    second = EventImport.objects.order_by("id").last()
    assert (second.new, second.changed, second.unchanged) == (0, 0, 3)
