"""Issue 13 point 2: every change of a case's unit, caseworker or program, by any path, is
in the change log, visible to the managers of both the old and the new unit."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from audit.models import AuditEntry
from cases import services
from cases.importing import import_file
from cases.models import Case, CaseEvent
from goals.models import Role
from tests.cases.test_import import csv
from tests.factories import CaseEventFactory, CaseFactory, MembershipFactory, UserFactory
from trelleborg.months import today

pytestmark = pytest.mark.django_db


def _case_updates(case):
    return AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Case),
        object_id=case.pk,
        action=AuditEntry.Action.UPDATE,
    )


@pytest.fixture
def moved(org, carl):
    case = CaseFactory(unit=org["b"], caseworker=carl, case_number="M-1")
    CaseEventFactory(case=case, unit=org["b"], event_id="m-0")
    return case


def test_an_import_that_moves_a_case_is_logged_under_both_units(ada, alice, org, moved):
    result = import_file(
        csv(f"m-1,M-1,{moved.client.ref},unit-a,alice,referral,{today().isoformat()},,,"),
        user=ada,
    )
    assert result.ok and result.written
    entries = _case_updates(moved)
    assert {e.unit_path for e in entries} == {org["a"].path, org["b"].path}
    for entry in entries:
        assert entry.changes["unit"] == ["unit-b", "unit-a"]
        assert entry.changes["caseworker"] == ["carl", "alice"]
        assert entry.actor == ada and entry.source == "import"


def test_an_import_that_only_reassigns_is_logged_once(ada, alice, org, carl):
    case = CaseFactory(unit=org["a"], caseworker=carl, case_number="R-1", program="etablering")
    CaseEventFactory(case=case, event_id="r-0")
    import_file(
        csv(f"r-1,R-1,{case.client.ref},unit-a,alice,referral,{today().isoformat()},,,"),
        user=ada,
    )
    [entry] = _case_updates(case)
    assert entry.unit_path == org["a"].path
    assert entry.changes == {
        "caseworker": ["carl", "alice"],
        "program": ["etablering", "forsorjningsstod"],
    }


def test_an_admin_edit_that_moves_a_case_is_visible_to_both_units(client, ada, org, moved):
    """The ORM path (admin, any save()): django-auditlog's entry, and its copy under the
    old unit."""
    moved.unit = org["a"]
    moved.save()
    entries = _case_updates(moved)
    assert {e.unit_path for e in entries} == {org["a"].path, org["b"].path}


def test_a_moved_event_is_visible_to_the_old_units_manager(client, ada, org, moved):
    bengt = UserFactory(username="bengt")
    MembershipFactory(user=bengt, unit=org["b"], role=Role.MANAGER)
    event = CaseEvent.objects.get(event_id="m-0")
    services.event_update(event=event, by=ada, unit_id=org["a"].pk)
    ct = ContentType.objects.get_for_model(CaseEvent)
    entries = AuditEntry.objects.filter(content_type=ct, object_id=event.pk, action=1)
    assert {e.unit_path for e in entries} == {org["a"].path, org["b"].path}
    client.force_login(bengt)
    response = client.get(reverse("audit:changes"))
    assert response.status_code == 200
    assert "m-0" in response.content.decode()
