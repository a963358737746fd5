"""Issue 13 point 4 on the monthly cycle's forms: every free-text field refuses a personal
identity number (the issue's six forms of the test number 19121212-1212), names the field
and keeps the rest of what was typed, minus the number."""

from __future__ import annotations

import pytest
from django.urls import reverse

from goals.forms import DecisionForm, EvaluationForm, NamedClientFormSet
from goals.models import GroupDecision, NamedClient
from tests.goals.conftest import plan_post

pytestmark = pytest.mark.django_db

# The six forms, all of the well-known test number 19121212-1212.
SIX = [
    "19121212-1212",
    "121212-1212",
    "191212121212",
    "121212+1212",
    "Ring klienten, pnr 121212-1212, i morgon",
    "K-19121212-1212",
]


@pytest.mark.parametrize("text", SIX)
@pytest.mark.parametrize("field", ["rationale", "guests", "revision_reason"])
def test_decision_texts_refuse_a_personal_number(text, field):
    data = {"eor": "3", "rationale": "Vi satsar på lagerjobb", "version": "0", field: text}
    form = DecisionForm(data, participants=[])
    assert not form.is_valid()
    assert [e.code for e in form.errors.as_data()[field]] == ["personal_number"]
    assert set(form.errors) == {field}  # only the field that holds it


@pytest.mark.parametrize("text", SIX)
@pytest.mark.parametrize("field", ["worked", "adjust", "reason"])
def test_follow_up_texts_refuse_a_personal_number(text, field):
    form = EvaluationForm({field: text})
    assert not form.is_valid()
    assert list(form.errors) == [field]


def test_ordinary_text_with_dates_and_amounts_passes():
    form = EvaluationForm(
        {"worked": "Möte 2026-03-10 kl 14.00, 12 deltagare, budget 120000 kr, tel 0410-733000"}
    )
    assert form.is_valid(), form.errors


def test_a_refused_form_keeps_the_rest_of_the_text_without_the_number():
    form = EvaluationForm(
        {"worked": "Bra möte med 19121212-1212 om praktik", "adjust": "Fler studiebesök"}
    )
    assert not form.is_valid()
    assert form.data["worked"] == "Bra möte med [personnummer borttaget] om praktik"
    assert form.data["adjust"] == "Fler studiebesök"
    assert "19121212" not in form["worked"].as_widget()


@pytest.mark.parametrize("ref", ["K-\u202e001", "K\u200b-001", "\ufeffK-001", "K-\x1b001"])
def test_a_named_clients_reference_with_invisible_characters_is_refused(ref):
    formset = NamedClientFormSet(plan_post(1, [(ref, "Praktik")]), prefix="clients")
    assert not formset.is_valid()
    assert "client_ref" in formset.forms[0].errors


def test_the_plan_page_refuses_a_personal_number_in_a_planned_action(
    client, alice, today, register
):
    client.force_login(alice)
    response = client.post(
        reverse("goals:plan", args=["unit-a", "2026-04"]),
        plan_post(1, [("K-00001", "Samtal med 121212-1212 och arbetsgivaren")]),
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert not NamedClient.objects.exists()
    assert "personnummer" in body
    assert "121212-1212" not in body
    assert "Samtal med [personnummer borttaget] och arbetsgivaren" in body
    assert "K-00001" in body  # the rest of what was typed is kept


def test_the_meeting_page_refuses_a_personal_number_in_the_rationale(
    client, maria, today, register
):
    client.force_login(maria)
    response = client.post(
        reverse("goals:meeting", args=["unit-a", "2026-04"]),
        {"eor": "4", "rationale": "Se K-19121212-1212", "version": "0", "guests": "Anna, AF"},
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert not GroupDecision.objects.exists()
    assert "19121212" not in body and "Anna, AF" in body
