"""Issue 13 points 1 and 2 on the API: a scoped token cannot take another unit's cases or
events, and its writes are in the change log with the token's owner, the token's id and
the caller's address."""

from __future__ import annotations

import json

import pytest
from django.contrib.contenttypes.models import ContentType

from audit.models import AuditEntry
from cases.models import Case, CaseEvent, EventImport
from integrations.services import token_create
from tests.factories import CaseEventFactory, CaseFactory, ClientFactory

from .conftest import Bearer, event

pytestmark = pytest.mark.django_db

EVENTS = "/api/v1/events"
BATCH = "/api/v1/events/batch"


def post(client, url, payload, bearer, **extra):
    return client.post(
        url, json.dumps(payload), content_type="application/json", **bearer.headers, **extra
    )


@pytest.fixture
def other_case(org, carl):
    client = ClientFactory(organisation=org["root"], ref="K-SECRET-B")
    case = CaseFactory(unit=org["b"], caseworker=carl, case_number="B-77", client=client)
    CaseEventFactory(case=case, unit=org["b"], event_id="b-ev-1")
    return case


@pytest.fixture
def robot_a_owned(org, ada):
    return Bearer(*token_create(name="Robot A", scope="read_write", units=[org["a"]], by=ada))


def _no_leak(body: str) -> None:
    for secret in ("unit-b", "Grupp B", "K-SECRET-B", "carl"):
        assert secret not in body


def test_a_scoped_token_cannot_take_another_units_case(client, robot_a_owned, other_case):
    response = post(client, EVENTS, event(1, case_id="B-77"), robot_a_owned)
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert (error["index"], error["field"]) == (0, "case_id")
    _no_leak(response.content.decode())
    other_case.refresh_from_db()
    assert other_case.unit.code == "unit-b"


def test_a_scoped_token_cannot_take_another_units_event(client, robot_a_owned, other_case):
    batch = [event(1), event(2, event_id="b-ev-1")]
    response = post(client, BATCH, {"events": batch}, robot_a_owned)
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert (error["index"], error["field"]) == (1, "event_id")
    _no_leak(response.content.decode())
    assert CaseEvent.objects.get(event_id="b-ev-1").unit.code == "unit-b"
    assert not Case.objects.filter(case_number="C-1").exists()


def test_api_writes_carry_the_tokens_owner_id_and_address(client, robot_a_owned, ada, org):
    response = post(client, EVENTS, event(1), robot_a_owned, REMOTE_ADDR="192.0.2.44")
    assert response.status_code == 200, response.content
    # An API write is an import (issue 16): one record, one change-log entry per touched
    # unit, and the event points at the record; no entry per created event.
    record = EventImport.objects.get()
    assert (record.user, record.api_token_id) == (ada, robot_a_owned.token.pk)
    ct = ContentType.objects.get_for_model(EventImport)
    entry = AuditEntry.objects.get(content_type=ct, object_id=record.pk)
    assert entry.actor == ada
    assert entry.additional_data["api_token"] == robot_a_owned.token.pk
    assert entry.remote_addr == "192.0.2.44"
    assert entry.source == "api"
    assert f"API-token #{robot_a_owned.token.pk}" in entry.object_repr
    event_ = CaseEvent.objects.get(event_id="api-1")
    assert (event_.recorded_by, event_.created_by_import) == (ada, record)


def test_a_case_moved_through_the_api_is_logged_under_both_units(client, org, ada, carl):
    """A whole-organisation token moves a case from B to A: the change log has the move,
    visible to the managers of both units, with the token's owner as actor."""
    bearer = Bearer(*token_create(name="Robot", scope="read_write", units=[org["root"]], by=ada))
    case = CaseFactory(unit=org["b"], caseworker=carl, case_number="M-1")
    CaseEventFactory(case=case, unit=org["b"], event_id="m-0")
    response = post(
        client,
        EVENTS,
        event(1, case_id="M-1", client_ref=case.client.ref),
        bearer,
        REMOTE_ADDR="192.0.2.45",
    )
    assert response.status_code == 200, response.content
    case.refresh_from_db()
    assert case.unit == org["a"] and case.caseworker == carl
    entries = AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Case),
        object_id=case.pk,
        action=AuditEntry.Action.UPDATE,
    )
    assert {e.unit_path for e in entries} == {org["a"].path, org["b"].path}
    for entry in entries:
        assert entry.changes["unit"] == ["unit-b", "unit-a"]
        assert entry.actor == ada and entry.remote_addr == "192.0.2.45"
    assert entries.for_unit_paths([org["b"].path]).exists()
