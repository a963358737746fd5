"""An exit logged by mistake: corrected or withdrawn, with a reason, by the one who logged it
or their manager (issue 15)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.urls import reverse

from audit.models import AuditEntry
from cases import services
from cases.importing import import_file
from cases.models import CaseEvent, WithdrawnEvent
from cases.rules import Scope
from goals.access import CLIENT_ROLES
from tests.factories import CaseFactory
from trelleborg import months
from trelleborg.months import today

pytestmark = pytest.mark.django_db


@pytest.fixture
def logged(alice, case_a):
    """An exit alice logged on her case today, through the page's service."""
    return services.exit_log(
        case=case_a, reason="work", by=alice, scope=Scope.of_user(alice, CLIENT_ROLES)
    )


def _url(event):
    return reverse("cases:amend_exit", args=[event.case_id, event.pk])


def test_who_may_amend(alice, bob, carl, maria, lena, ada, logged):
    assert services.may_amend(alice, logged)  # logged it
    assert services.may_amend(maria, logged)  # manages the unit
    assert services.may_amend(ada, logged)
    assert not services.may_amend(bob, logged)  # a colleague
    assert not services.may_amend(carl, logged)
    assert not services.may_amend(lena, logged)


@pytest.mark.parametrize("persona", ["bob", "carl", "lena"])
def test_others_cannot_amend_over_http(client, request, persona, logged):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(_url(logged)).status_code == 404
    response = client.post(_url(logged), {"action": "withdraw", "note": "fel"})
    assert response.status_code == 404
    assert CaseEvent.objects.filter(pk=logged.pk).exists()


def test_correction_needs_a_reason_keeps_history_and_is_audited(
    client, alice, logged, changes, django_capture_on_commit_callbacks
):
    client.force_login(alice)
    day = logged.occurred_on
    data = {"action": "correct", "reason": "studies", "occurred_on": day.isoformat()}
    response = client.post(_url(logged), {**data, "note": ""})
    assert response.status_code == 200 and "Motivering" in response.content.decode()
    logged.refresh_from_db()
    assert logged.reason == "work"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_url(logged), {**data, "note": "Fel orsak, det var Komvux"})
    assert response.status_code == 302
    logged.refresh_from_db()
    assert logged.reason == "studies"
    history = logged.history.get()
    assert history.previous["reason"] == "work" and history.note == "Fel orsak, det var Komvux"
    assert history.changed_by == alice
    assert changes and months.month_of(day) in changes[-1]["months"]
    entry = AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(CaseEvent),
        object_pk=str(logged.pk),
        action=AuditEntry.Action.UPDATE,
    ).get()
    assert entry.changes["reason"] == ["work", "studies"]
    assert entry.additional_data == {"motivering": "Fel orsak, det var Komvux"}
    body = client.get(reverse("cases:case_detail", args=[logged.case_id])).content.decode()
    assert "Fel orsak, det var Komvux" in body


def test_correction_follows_the_date_rules(alice, logged):
    with pytest.raises(ValidationError) as error:
        services.exit_correct(
            event=logged,
            reason="fel datum",
            by=alice,
            occurred_on=today() + dt.timedelta(days=2),
        )
    assert "occurred_on" in error.value.message_dict


def test_manager_withdraws_the_exit_and_figures_drop_it_at_once(
    client, maria, logged, changes, django_capture_on_commit_callbacks
):
    client.force_login(maria)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            _url(logged), {"action": "withdraw", "note": "Registrerat på fel klient"}
        )
    assert response.status_code == 302
    assert not CaseEvent.objects.exits().exists()
    withdrawn = WithdrawnEvent.objects.get()
    assert (withdrawn.event_id, withdrawn.reason, withdrawn.withdrawn_by) == (
        logged.event_id,
        "work",
        maria,
    )
    assert withdrawn.note == "Registrerat på fel klient"
    assert changes[-1]["unit_ids"] == {logged.unit_id}
    deleted = AuditEntry.objects.get(object_pk=str(logged.pk), action=AuditEntry.Action.DELETE)
    assert deleted.additional_data == {"motivering": "Registrerat på fel klient"}
    body = client.get(reverse("cases:case_detail", args=[logged.case_id])).content.decode()
    assert "Återkallade händelser" in body and "Registrerat på fel klient" in body


def test_withdrawal_requires_a_reason(alice, logged):
    with pytest.raises(ValidationError) as error:
        services.exit_withdraw(event=logged, reason="  ", by=alice)
    assert "note" in error.value.message_dict
    assert CaseEvent.objects.filter(pk=logged.pk).exists()


def test_withdrawal_is_scoped(alice, logged, org):
    """A caseworker who logged an exit and has since lost the unit may not withdraw it."""
    other = CaseFactory(unit=org["b"])
    event = services.exit_log(case=other, reason="work", by=alice)  # e.g. before a move
    with pytest.raises(ValidationError):
        services.exit_withdraw(
            event=event, reason="fel", by=alice, scope=Scope.of_user(alice, CLIENT_ROLES)
        )
    assert CaseEvent.objects.filter(pk=event.pk).exists()


def test_reimport_of_a_withdrawn_event_is_skipped_with_a_message(org, maria, ada):
    day = (today() - dt.timedelta(days=2)).isoformat()
    file = (
        "event_id,case_id,client_ref,unit,event_type,occurred_on,reason\n"
        f"src-1,S-1,K-301,unit-a,application_received,{day},\n"
        f"src-2,S-1,K-301,unit-a,exit,{day},work\n"
    ).encode()
    import_file(file, user=ada)
    exit_event = CaseEvent.objects.get(event_id="src-2")
    services.exit_withdraw(event=exit_event, reason="Dubbelregistrerat", by=maria)
    result = import_file(file, user=ada)
    assert result.ok
    assert (result.new, result.unchanged, result.skipped) == (0, 1, 1)
    assert result.skipped_rows == [(3, "src-2")]
    assert not CaseEvent.objects.filter(event_id="src-2").exists()


def test_import_page_says_what_was_skipped(client, org, maria, ada):
    day = (today() - dt.timedelta(days=2)).isoformat()
    file = (
        "event_id,case_id,client_ref,unit,event_type,occurred_on,reason\n"
        f"src-9,S-9,K-309,unit-a,exit,{day},work\n"
    ).encode()
    import_file(file, user=ada)
    services.exit_withdraw(event=CaseEvent.objects.get(), reason="Fel", by=maria)
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(maria)
    response = client.post(
        reverse("cases:import_events"), {"file": SimpleUploadedFile("h.csv", file)}
    )
    body = response.content.decode()
    assert 'data-count="skipped">1<' in body and "src-9" in body


def test_a_second_withdrawal_of_the_same_exit_is_refused_not_an_error(alice, maria, logged):
    stale = CaseEvent.objects.get(pk=logged.pk)
    services.exit_withdraw(event=logged, reason="Fel klient", by=maria)
    with pytest.raises(ValidationError, match="redan återkallat"):
        services.exit_withdraw(event=stale, reason="Fel klient", by=alice)
    assert WithdrawnEvent.objects.count() == 1


def test_withdrawals_are_listed_read_only_in_the_admin(client, ada, maria, logged):
    services.exit_withdraw(event=logged, reason="Fel klient vald", by=maria)
    withdrawn = WithdrawnEvent.objects.get()
    client.force_login(ada)
    listing = client.get(reverse("admin:cases_withdrawnevent_changelist"))
    assert listing.status_code == 200
    assert withdrawn.event_id in listing.content.decode()
    page = client.get(reverse("admin:cases_withdrawnevent_change", args=[withdrawn.pk]))
    assert page.status_code == 200
    assert "Fel klient vald" in page.content.decode()
    # The record of a withdrawal cannot be rewritten or removed (that would let a
    # re-import bring the event back).
    assert client.get(reverse("admin:cases_withdrawnevent_add")).status_code == 403
    delete = reverse("admin:cases_withdrawnevent_delete", args=[withdrawn.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert WithdrawnEvent.objects.filter(pk=withdrawn.pk).exists()
