"""An event's organisation is its case's: every write path sets it from the case, and on
PostgreSQL one composite foreign key (case_id, organisation_id) → cases_case holds it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import F, ProtectedError

from cases.importing import import_file
from cases.models import Case, CaseEvent
from cases.services import event_log, event_update
from tests.factories import CaseEventFactory, CaseFactory, UnitFactory

pytestmark = pytest.mark.django_db

CSV = (
    "event_id,case_id,client_ref,unit,caseworker,event_type,occurred_on,reason,program,decision_mode\n"
    "e1,C1,K-001,unit-a,alice,application_received,2018-01-03,,,\n"
    "e2,C2,K-002,unit-b,carl,application_received,2018-01-05,,,\n"
)


def _mismatched() -> int:
    return CaseEvent.objects.exclude(organisation_id=F("case__organisation_id")).count()


def test_every_write_path_takes_the_organisation_from_the_case(alice, carl, org):
    assert import_file(CSV.encode()).written
    case = Case.objects.get(case_number="C1")
    event = event_log(case=case, event_type="decision", occurred_on=dt.date(2018, 1, 9), by=alice)
    event_update(event=event, occurred_on=dt.date(2018, 1, 10), by=alice)
    # a changed row that moves the event to a case in the same organisation
    again = CSV.replace("e2,C2,K-002,unit-b", "e2,C1,K-001,unit-a")
    assert import_file(again.encode()).changed == 1
    assert CaseEvent.objects.count() == 3
    assert _mismatched() == 0


def test_a_case_with_events_is_protected_from_deletion():
    event = CaseEventFactory()
    with pytest.raises(ProtectedError):
        event.case.delete()


def _insert_event(*, case_id: int, organisation_id: int, unit_id: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            """INSERT INTO cases_caseevent
                (organisation_id, event_id, case_id, unit_id, event_type, occurred_on, reason,
                 program, decision_mode, source, recorded_at, updated_at)
                VALUES (%s, 'raw-1', %s, %s, 'application_received', '2018-01-01', '',
                        'forsorjningsstod', '', 'import', now(), now())""",
            [organisation_id, case_id, unit_id],
        )
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # what COMMIT checks


@pytest.mark.postgres
def test_the_database_refuses_an_event_outside_its_cases_organisation():
    case = CaseFactory()
    other = UnitFactory()
    with pytest.raises(IntegrityError, match="cases_event_case_org_fk"), transaction.atomic():
        _insert_event(case_id=case.pk, organisation_id=other.pk, unit_id=case.unit_id)
    with pytest.raises(IntegrityError, match="cases_event_case_org_fk"), transaction.atomic():
        _insert_event(
            case_id=case.pk + 1000, organisation_id=case.organisation_id, unit_id=case.unit_id
        )
    with transaction.atomic():  # the matching pair is accepted
        _insert_event(case_id=case.pk, organisation_id=case.organisation_id, unit_id=case.unit_id)


@pytest.mark.postgres
def test_the_database_refuses_to_delete_a_case_that_has_events():
    event = CaseEventFactory()
    refused = pytest.raises(IntegrityError, match="cases_event_case_org_fk")
    with refused, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM cases_case WHERE id = %s", [event.case_id])
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
