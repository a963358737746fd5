from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from cases import services
from cases.models import Case, CaseEvent, CaseEventHistory, Client
from trelleborg.months import month_of, today

from .conftest import opened_on

pytestmark = pytest.mark.django_db


def test_exit_defaults_to_today_and_records_who_and_where(
    case_a, alice, changes, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        event = services.exit_log(case=case_a, reason="work", by=alice, source="page")
    assert event.occurred_on == today()
    assert (event.event_type, event.reason, event.source) == ("exit", "work", "page")
    assert event.recorded_by == alice
    assert event.unit_id == case_a.unit_id
    assert event.event_id.startswith("eor-")
    assert len(changes) == 1
    assert changes[0]["unit_ids"] == {case_a.unit_id}
    assert changes[0]["months"] == {month_of(today())}


def test_nothing_is_announced_before_commit(case_a, alice, changes):
    services.exit_log(case=case_a, reason="work", by=alice)
    assert changes == []  # the test transaction never commits


def test_future_date_is_refused(case_a, alice):
    with pytest.raises(ValidationError) as info:
        services.exit_log(
            case=case_a, reason="work", occurred_on=today() + dt.timedelta(days=1), by=alice
        )
    assert "occurred_on" in info.value.error_dict
    assert not CaseEvent.objects.exits().exists()


def test_date_before_first_event_is_refused(case_a, alice):
    with pytest.raises(ValidationError) as info:
        services.event_log(
            case=case_a,
            event_type="first_meeting",
            occurred_on=opened_on() - dt.timedelta(days=1),
            by=alice,
        )
    assert "första händelse" in str(info.value.error_dict["occurred_on"])


def test_exit_needs_a_reason_and_other_events_refuse_one(case_a, alice):
    with pytest.raises(ValidationError) as info:
        services.exit_log(case=case_a, reason="", by=alice)
    assert "reason" in info.value.error_dict
    with pytest.raises(ValidationError) as info:
        services.event_log(case=case_a, event_type="referral", reason="work", by=alice)
    assert "reason" in info.value.error_dict
    with pytest.raises(ValidationError):
        services.exit_log(case=case_a, reason="lottery", by=alice)
    assert CaseEvent.objects.for_case(case_a).count() == 1


def test_decision_mode_defaults_to_manual_and_only_for_decisions(case_a, alice):
    decision = services.event_log(case=case_a, event_type="decision", by=alice)
    assert decision.decision_mode == "manual"
    assisted = services.event_log(
        case=case_a, event_type="decision", decision_mode="assisted", by=alice
    )
    assert assisted.decision_mode == "assisted"
    with pytest.raises(ValidationError) as info:
        services.event_log(case=case_a, event_type="referral", decision_mode="automated", by=alice)
    assert "decision_mode" in info.value.error_dict


def test_second_exit_in_a_month_needs_confirmation(case_a, alice):
    services.exit_log(case=case_a, reason="work", by=alice)
    with pytest.raises(ValidationError) as info:
        services.exit_log(case=case_a, reason="studies", by=alice)
    assert info.value.error_dict["confirm"][0].code == "needs_confirmation"
    assert CaseEvent.objects.exits().count() == 1
    services.exit_log(case=case_a, reason="studies", by=alice, confirm=True)
    assert CaseEvent.objects.exits().count() == 2


def test_exit_in_another_month_needs_no_confirmation(case_a, alice):
    services.exit_log(case=case_a, reason="work", occurred_on=opened_on(), by=alice)
    if month_of(opened_on()) != month_of(today()):
        services.exit_log(case=case_a, reason="work", by=alice)
        assert CaseEvent.objects.exits().count() == 2


def test_register_case_creates_client_once(org, alice):
    first = services.client_case_register(
        unit=org["a"], client_ref="K-00001", case_number="X-1", caseworker=alice, by=alice
    )
    second = services.client_case_register(
        unit=org["a"], client_ref="K-00001", case_number="X-2", caseworker=alice, by=alice
    )
    assert first.client_id == second.client_id
    assert first.organisation == org["root"]
    with pytest.raises(ValidationError) as info:
        services.client_case_register(unit=org["a"], client_ref="K-00002", case_number="X-1")
    assert "case_number" in info.value.error_dict


def test_register_case_refuses_personal_number_and_writes_nothing(org, alice):
    with pytest.raises(ValidationError) as info:
        services.client_case_register(
            unit=org["a"], client_ref="19900101-1234", case_number="X-9", by=alice
        )
    assert "client_ref" in info.value.error_dict
    assert not Client.objects.exists()
    assert not Case.objects.exists()


def test_event_update_keeps_previous_values(
    case_a, maria, changes, django_capture_on_commit_callbacks
):
    event = services.event_log(case=case_a, event_type="referral", occurred_on=opened_on())
    with django_capture_on_commit_callbacks(execute=True):
        services.event_update(
            event=event,
            by=maria,
            occurred_on=today(),
            event_type="decision",
            decision_mode="manual",
        )
    event.refresh_from_db()
    assert event.event_type == "decision"
    history = CaseEventHistory.objects.get(event=event)
    assert history.previous["event_type"] == "referral"
    assert history.previous["occurred_on"] == opened_on().isoformat()
    assert history.changed_by == maria
    assert changes[-1]["months"] == {month_of(opened_on()), month_of(today())}


def test_querysets(case_a, case_b, alice, org):
    services.exit_log(case=case_a, reason="work", by=alice)
    assert list(Case.objects.for_user(alice)) == [case_a]
    assert CaseEvent.objects.for_units([org["a"]]).exits().in_month(today()).count() == 1
    assert CaseEvent.objects.for_units([org["b"]]).exits().count() == 0
    assert CaseEvent.objects.counting_exits().count() == 1
    latest = Case.objects.filter(pk=case_a.pk).with_latest_event().get()
    assert (latest.latest_event_type, latest.latest_event_reason) == ("exit", "work")
