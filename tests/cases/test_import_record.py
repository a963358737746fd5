"""Issue 16, "An import is audited as one entry": every written import leaves one record
(cases.EventImport) and every event points at the import that created it and the one
that last changed it, on both staging paths (the CSV fast path and the row path)."""

from __future__ import annotations

import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from cases.importing import import_file, import_rows
from cases.models import CaseEvent, EventImport, ImportKind
from tests.factories import MembershipFactory, UnitFactory, UserFactory
from trelleborg.vocabulary import Role, Source

from .test_import import csv

pytestmark = pytest.mark.django_db

ROWS = [
    "r1,R1,K-201,unit-a,,application_received,2018-01-03,,,",
    "r2,R1,K-201,unit-a,,exit,2018-02-03,work,,",
    "r3,R2,K-202,unit-b,,application_received,2018-01-05,,,",
]


def _row(line: str) -> dict[str, str]:
    names = [
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
    ]
    return dict(zip(names, line.split(","), strict=True))


def test_a_file_import_records_who_what_and_the_file(maria, org):
    data = csv(*ROWS)
    result = import_file(data, user=maria, file_name="jan.csv")
    record = EventImport.objects.get()
    assert result.import_id == record.pk
    assert (record.user, record.kind, record.file_name) == (maria, ImportKind.COMMAND, "jan.csv")
    assert record.sha256 == hashlib.sha256(data).hexdigest()
    assert (record.rows, record.new, record.changed, record.unchanged, record.skipped) == (
        3,
        3,
        0,
        0,
        0,
    )
    assert set(record.units.all()) == {org["a"], org["b"]}


@pytest.mark.parametrize("path", ["file", "rows"])
def test_events_point_at_the_import_that_created_and_last_changed_them(maria, org, path):
    def run(*lines):
        if path == "file":
            return import_file(csv(*lines), user=maria)
        return import_rows([_row(line) for line in lines], source=Source.IMPORT, user=maria)

    first = run(*ROWS).import_id
    assert set(CaseEvent.objects.values_list("created_by_import", "changed_by_import")) == {
        (first, None)
    }
    second = run(ROWS[0], "r2,R1,K-201,unit-a,,exit,2018-02-04,studies,,", ROWS[2]).import_id
    assert second != first
    by_id = {e.event_id: e for e in CaseEvent.objects.all()}
    assert (by_id["r2"].created_by_import_id, by_id["r2"].changed_by_import_id) == (first, second)
    # unchanged rows keep pointing only at the import that created them
    assert by_id["r1"].changed_by_import_id is None
    record = EventImport.objects.get(pk=second)
    assert (record.new, record.changed, record.unchanged) == (0, 1, 2)
    assert set(record.units.all()) == {org["a"]}
    # a third import adds one event: the earlier events are untouched
    third = run("r4,R1,K-201,unit-a,,decision,2018-02-05,,,").import_id
    assert CaseEvent.objects.get(event_id="r4").created_by_import_id == third
    assert CaseEvent.objects.get(event_id="r2").changed_by_import_id == second


def test_refused_and_dry_imports_leave_no_record(maria, org):
    import_file(csv(*ROWS), user=maria, dry_run=True)
    refused = import_file(csv(*ROWS, "r9,R9,K-209,nowhere,,exit,2018-01-01,work,,"), user=maria)
    assert refused.errors and refused.import_id is None
    assert not EventImport.objects.exists()


def test_the_command_records_its_file(tmp_path, org):
    path = tmp_path / "februari.csv"
    path.write_bytes(csv(*ROWS))
    call_command("import_events", str(path))
    record = EventImport.objects.get()
    assert (record.kind, record.file_name, record.user) == (
        ImportKind.COMMAND,
        "februari.csv",
        None,
    )
    assert record.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


def test_the_upload_page_records_a_page_import(client, maria, org):
    client.force_login(maria)
    data = csv(*ROWS[:2])
    response = client.post(
        reverse("cases:import_events"),
        {"file": SimpleUploadedFile("sida.csv", data, content_type="text/csv")},
    )
    assert not EventImport.objects.exists()  # the preview is a dry run
    client.post(reverse("cases:import_confirm"), {"token": response.context["token"]})
    record = EventImport.objects.get()
    assert (record.kind, record.file_name, record.user) == (ImportKind.PAGE, "sida.csv", maria)
    assert record.sha256 == hashlib.sha256(data).hexdigest()


def test_the_timeline_says_which_import(client, maria, org):
    first = import_file(csv(*ROWS[:2]), user=maria).import_id
    second = import_file(csv(ROWS[0], "r2,R1,K-201,unit-a,,exit,2018-02-04,studies,,"), user=maria)
    client.force_login(maria)
    case = CaseEvent.objects.get(event_id="r2").case
    body = client.get(reverse("cases:case_detail", args=[case.pk])).content.decode()
    name = maria.get_full_name()
    assert f"importerad i import #{first} av {name}" in body
    assert f"senast ändrad i import #{second.import_id} av {name}" in body


def test_the_list_page_is_scoped_like_the_reads(client, maria, ada, alice, org):
    in_a = import_file(csv(ROWS[0]), user=ada).import_id
    in_b = import_file(csv(ROWS[2]), user=ada).import_id
    # a manager of B only: sees B's import, not A's
    bea = UserFactory(username="bea")
    MembershipFactory(user=bea, unit=org["b"], role=Role.MANAGER)
    # a unit elsewhere: its manager sees neither
    other = UnitFactory(code="other", name="Annan", parent=org["root"])
    olle = UserFactory(username="olle")
    MembershipFactory(user=olle, unit=other, role=Role.MANAGER)

    def shown(user) -> set[int]:
        client.force_login(user)
        response = client.get(reverse("cases:import_list"))
        if response.status_code != 200:
            return {response.status_code}
        return {item.pk for item in response.context["page"].object_list}

    assert shown(ada) == {in_a, in_b}
    assert shown(maria) == {in_a}
    assert shown(bea) == {in_b}
    assert shown(olle) == set()
    assert shown(alice) == {404}  # caseworkers: no import access at all
    client.force_login(maria)
    body = client.get(reverse("cases:import_list")).content.decode()
    assert f"#{in_a}" in body and f'id="import-{in_b}"' not in body


def test_the_admin_shows_the_imports_read_only(admin_client, maria, org):
    first = import_file(csv(*ROWS), user=maria).import_id
    second = import_file(csv("r2,R1,K-201,unit-a,,exit,2018-02-04,studies,,"), user=maria)
    event_ = CaseEvent.objects.get(event_id="r2")
    url = reverse("admin:cases_caseevent_change", args=[event_.pk])
    body = admin_client.get(url).content.decode()
    assert f"Import #{first}" in body and f"Import #{second.import_id}" in body
    assert 'name="created_by_import"' not in body  # shown, never editable
