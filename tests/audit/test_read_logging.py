"""The pages that show client-level data write the access log."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from audit.models import AccessRecord
from goals.models import IndividualTarget, NamedClient
from tests.factories import CaseFactory

pytestmark = pytest.mark.django_db


def _last(user) -> AccessRecord:
    return AccessRecord.objects.filter(user=user).latest("id")


def test_case_page_logs_the_case_read(client, org, alice):
    case = CaseFactory(unit=org["a"], client__ref="K-00101")
    client.force_login(alice)
    assert client.get(reverse("cases:case_detail", args=[case.pk])).status_code == 200
    record = _last(alice)
    assert record.kind == "case"
    assert record.path == reverse("cases:case_detail", args=[case.pk])
    assert list(record.items.values_list("client_ref", "unit_path")) == [("K-00101", org["a"].path)]


def test_refused_case_page_logs_nothing(client, org, carl):
    case = CaseFactory(unit=org["a"])
    client.force_login(carl)
    assert client.get(reverse("cases:case_detail", args=[case.pk])).status_code == 404
    assert not AccessRecord.objects.filter(user=carl).exists()


def test_case_list_logs_every_client_shown(client, org, alice):
    refs = {CaseFactory(unit=org["a"], caseworker=alice).client.ref for _ in range(3)}
    CaseFactory(unit=org["b"])  # not alice's: neither shown nor logged
    client.force_login(alice)
    client.get(reverse("cases:my_cases"))
    record = _last(alice)
    assert record.kind == "case_list"
    assert set(record.items.values_list("client_ref", flat=True)) == refs


def test_exit_form_page_logs_the_case(client, org, alice):
    case = CaseFactory(unit=org["a"])
    client.force_login(alice)
    client.get(reverse("cases:log_exit", args=[case.pk]))
    assert _last(alice).items.get().client_ref == case.client.ref


def test_meeting_logs_the_named_clients_it_shows(client, org, alice, maria):
    month = dt.date(2026, 12, 1)
    target = IndividualTarget.objects.create(unit=org["a"], caseworker=alice, month=month, target=2)
    NamedClient.objects.create(target=target, client_ref="K-00201", planned_action="Praktik")
    NamedClient.objects.create(target=target, client_ref="K-00202", planned_action="CV")
    client.force_login(maria)
    response = client.get(reverse("goals:meeting", args=["unit-a", "2026-12"]))
    assert response.status_code == 200
    record = _last(maria)
    assert record.kind == "named_clients"
    assert set(record.items.values_list("client_ref", flat=True)) == {"K-00201", "K-00202"}
    assert set(record.items.values_list("unit_path", flat=True)) == {org["a"].path}


def test_followup_logs_the_named_clients(client, org, alice, maria):
    month = dt.date(2026, 1, 1)
    target = IndividualTarget.objects.create(unit=org["a"], caseworker=alice, month=month, target=1)
    NamedClient.objects.create(target=target, client_ref="K-00301", planned_action="Jobbspår")
    client.force_login(maria)
    assert client.get(reverse("goals:followup", args=["unit-a", "2026-01"])).status_code == 200
    record = _last(maria)
    assert record.kind == "follow_up"
    assert list(record.items.values_list("client_ref", flat=True)) == ["K-00301"]


def test_plan_logs_the_caseworkers_named_clients(client, org, alice):
    month = dt.date(2026, 12, 1)
    target = IndividualTarget.objects.create(unit=org["a"], caseworker=alice, month=month, target=1)
    NamedClient.objects.create(target=target, client_ref="K-00401", planned_action="Studier")
    client.force_login(alice)
    assert client.get(reverse("goals:plan", args=["unit-a", "2026-12"])).status_code == 200
    record = _last(alice)
    assert "K-00401" in set(record.items.values_list("client_ref", flat=True))


def test_admin_lists_and_forms_of_client_data_are_logged(client, org, ada):
    cases = [CaseFactory(unit=org["a"], client__ref=f"K-0020{i}") for i in range(3)]
    client.force_login(ada)
    assert client.get(reverse("admin:cases_client_changelist")).status_code == 200
    record = _last(ada)
    assert record.kind == "admin"
    assert set(record.items.values_list("client_ref", flat=True)) == {c.client.ref for c in cases}
    url = reverse("admin:cases_case_change", args=[cases[0].pk])
    assert client.get(url).status_code == 200
    record = _last(ada)
    assert (record.kind, record.path) == ("admin", url)
    assert list(record.items.values_list("client_ref", "unit_path")) == [("K-00200", org["a"].path)]


def test_an_admin_plan_form_logs_its_named_clients(client, org, alice, ada):
    target = IndividualTarget.objects.create(
        unit=org["a"], caseworker=alice, month=dt.date(2026, 3, 1), target=2
    )
    NamedClient.objects.create(target=target, client_ref="K-00301", planned_action="CV")
    client.force_login(ada)
    before = AccessRecord.objects.count()
    assert client.get(reverse("admin:goals_individualtarget_changelist")).status_code == 200
    assert (
        client.get(reverse("admin:goals_individualtarget_change", args=[target.pk])).status_code
        == 200
    )
    assert AccessRecord.objects.count() == before + 2
    assert "K-00301" in _last(ada).items.values_list("client_ref", flat=True)


def test_an_admin_form_of_a_missing_object_logs_nothing(client, org, ada):
    client.force_login(ada)
    response = client.get(reverse("admin:cases_case_change", args=[999999]))
    assert response.status_code == 302  # the admin redirects to its index with a message
    assert not AccessRecord.objects.filter(user=ada).exists()


def test_admin_autocomplete_logs_the_rows_it_answers(client, org, ada):
    """The search box of a foreign-key field answers rows of client data: a read."""
    shown = [CaseFactory(unit=org["a"], client__ref=f"K-0050{i}") for i in range(2)]
    CaseFactory(unit=org["a"], client__ref="K-00600")
    client.force_login(ada)
    url = reverse("admin:autocomplete")
    params = {"app_label": "cases", "model_name": "case", "field_name": "client", "term": "K-005"}
    response = client.get(url, params)
    assert response.status_code == 200
    assert {r["text"] for r in response.json()["results"]} == {c.client.ref for c in shown}
    record = _last(ada)
    assert record.kind == "admin" and record.path.startswith(url) and "term=K-005" in record.path
    assert set(record.items.values_list("client_ref", flat=True)) == {c.client.ref for c in shown}
    # Units are no client data: their search logs nothing.
    before = AccessRecord.objects.count()
    params = {"app_label": "cases", "model_name": "case", "field_name": "unit", "term": "a"}
    assert client.get(url, params).status_code == 200
    assert AccessRecord.objects.count() == before


def test_admin_autocomplete_still_requires_staff(client, org, alice):
    CaseFactory(unit=org["a"], client__ref="K-00701")
    client.force_login(alice)
    params = {"app_label": "cases", "model_name": "case", "field_name": "client", "term": "K"}
    response = client.get(reverse("admin:autocomplete"), params)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    assert not AccessRecord.objects.filter(user=alice).exists()
