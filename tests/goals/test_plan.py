from __future__ import annotations

import pytest
from django.urls import reverse

from goals import services
from goals.models import CycleChange, GroupDecision, IndividualTarget, MonthFollowUp
from tests.goals.conftest import APRIL, FEBRUARY, JANUARY, MARCH, plan_post

pytestmark = pytest.mark.django_db


def plan_url(unit="unit-a", month="2026-04"):
    return reverse("goals:plan", args=[unit, month])


@pytest.fixture
def as_alice(client, alice, today, register):
    client.force_login(alice)
    return client


def test_caseworker_sets_plan_with_named_clients(as_alice, alice):
    response = as_alice.post(
        plan_url(), plan_post(2, [("K-00001", "Jobbmatchning mot lager"), ("K-00002", "Praktik")])
    )
    assert response.status_code == 302
    plan = IndividualTarget.objects.get(caseworker=alice, month=APRIL)
    assert plan.target == 2
    assert dict(plan.named_clients.values_list("client_ref", "planned_action")) == {
        "K-00001": "Jobbmatchning mot lager",
        "K-00002": "Praktik",
    }
    page = as_alice.get(plan_url())
    assert "Jobbmatchning mot lager" in page.content.decode()


@pytest.mark.parametrize("target", ["-1", "1000", "abc", ""])
def test_negative_or_absurd_target_is_refused(as_alice, alice, target):
    response = as_alice.post(plan_url(), plan_post(target, [("K-00001", "Praktik")]))
    assert response.status_code == 200
    assert "aria-invalid" in response.content.decode() or "mellan" in response.content.decode()
    assert not IndividualTarget.objects.exists()


def test_target_bounds_are_enforced_by_the_service_too(alice, today, register, org):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as error:
        services.plan_save(
            unit=org["a"], caseworker=alice, month=APRIL, target=1000, clients=[], by=alice
        )
    assert "target" in error.value.message_dict
    assert not IndividualTarget.objects.exists()


def test_client_outside_the_caseworkers_units_is_refused(as_alice):
    response = as_alice.post(
        plan_url(), plan_post(1, [("K-00001", "Praktik"), ("K-00900", "Utbildning")])
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "Rad 2 (K-00900): Klienten finns inte i enheten." in body
    assert not IndividualTarget.objects.exists()  # nothing half-written


def test_named_client_without_planned_action_is_refused(as_alice):
    response = as_alice.post(plan_url(), plan_post(1, [("K-00001", "")]))
    assert "Beskriv vad ni gör annorlunda" in response.content.decode()
    assert not IndividualTarget.objects.exists()


def test_duplicate_client_is_refused(as_alice):
    response = as_alice.post(plan_url(), plan_post(2, [("K-00001", "a"), ("K-00001", "b")]))
    assert "finns redan i planen" in response.content.decode()
    assert not IndividualTarget.objects.exists()


def test_plan_for_a_month_long_past_is_refused(as_alice):
    response = as_alice.post(plan_url(month="2026-01"), plan_post(1, [("K-00001", "Praktik")]))
    assert "Månaden är passerad" in response.content.decode()
    assert not IndividualTarget.objects.filter(month=JANUARY).exists()


def test_plan_more_than_a_month_ahead_is_refused(as_alice):
    response = as_alice.post(plan_url(month="2026-06"), plan_post(1, []))
    assert "högst en månad framåt" in response.content.decode()
    assert not IndividualTarget.objects.exists()


def test_previous_month_plan_allowed_until_its_decision(as_alice, org, maria):
    assert as_alice.post(plan_url(month="2026-02"), plan_post(1, [])).status_code == 302
    GroupDecision.objects.create(
        unit=org["a"], month=FEBRUARY, eor=3, rationale="Beslut", decided_by=maria
    )
    response = as_alice.post(plan_url(month="2026-02"), plan_post(4, []))
    assert "Månaden är passerad" in response.content.decode()
    assert IndividualTarget.objects.get(month=FEBRUARY).target == 1


def test_current_month_plan_is_allowed(as_alice):
    assert as_alice.post(plan_url(month="2026-03"), plan_post(0, [])).status_code == 302
    assert IndividualTarget.objects.filter(month=MARCH).exists()


def test_closed_month_plan_is_refused(as_alice, org, maria, alice):
    as_alice.post(plan_url(month="2026-03"), plan_post(1, []))
    MonthFollowUp.objects.create(unit=org["a"], month=MARCH, closed_at="2026-03-05T10:00Z")
    response = as_alice.post(plan_url(month="2026-03"), plan_post(5, []))
    assert "Månaden är stängd" in response.content.decode()
    assert IndividualTarget.objects.get(month=MARCH).target == 1


def test_caseworker_cannot_see_or_edit_other_units_plan(client, carl, today, register):
    client.force_login(carl)
    assert client.get(plan_url()).status_code == 404
    assert client.post(plan_url(), plan_post(1, [])).status_code == 404
    assert not IndividualTarget.objects.exists()


def test_caseworker_cannot_edit_another_caseworkers_plan(alice, bob, org, today, register):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.plan_save(
            unit=org["a"], caseworker=bob, month=APRIL, target=3, clients=[], by=alice
        )
    assert not IndividualTarget.objects.exists()


def test_the_plan_page_only_ever_shows_and_saves_your_own_plan(client, alice, bob, today, register):
    client.force_login(bob)
    client.post(plan_url(), plan_post(7, [("K-00003", "Bobs plan")]))
    client.force_login(alice)
    page = client.get(plan_url()).content.decode()
    assert "Bobs plan" not in page
    client.post(plan_url(), plan_post(1, []))
    assert IndividualTarget.objects.get(caseworker=bob).target == 7


@pytest.mark.parametrize("persona", ["maria", "lena", "carl"])
def test_non_caseworkers_of_the_unit_get_404(client, personas, persona, today, register):
    client.force_login(personas[persona])
    assert client.post(plan_url(), plan_post(1, [])).status_code == 404
    assert not IndividualTarget.objects.exists()


def test_plan_is_prefilled_with_last_months_named_clients_who_did_not_exit(
    as_alice, alice, org, register
):
    services.plan_save(
        unit=org["a"],
        caseworker=alice,
        month=MARCH,
        target=2,
        clients=[("K-00001", "Praktik"), ("K-00002", "CV-stöd")],
        by=alice,
    )
    register.exits[("unit-a", MARCH)] = {"K-00001"}
    page = as_alice.get(plan_url()).content.decode()
    assert "Förifyllt" in page
    assert 'value="K-00002" maxlength' in page
    assert 'value="K-00001" maxlength' not in page
    assert not IndividualTarget.objects.filter(month=APRIL).exists()  # prefill writes nothing


def test_prefill_service_uses_the_exited_hook(alice, org, today, register):
    services.plan_save(
        unit=org["a"], caseworker=alice, month=MARCH, target=1, clients=[("K-00003", "x")], by=alice
    )
    assert services.plan_prefill(unit=org["a"], caseworker=alice, month=APRIL) == [
        {"client_ref": "K-00003", "planned_action": "x"}
    ]
    register.exits[("unit-a", MARCH)] = {"K-00003"}
    assert services.plan_prefill(unit=org["a"], caseworker=alice, month=APRIL) == []


def test_remove_row_and_change_action(as_alice, alice):
    as_alice.post(plan_url(), plan_post(2, [("K-00001", "a"), ("K-00002", "b")]))
    data = plan_post(1, [("K-00001", "a2"), ("K-00002", "b")], **{"clients-1-DELETE": "on"})
    assert as_alice.post(plan_url(), data).status_code == 302
    plan = IndividualTarget.objects.get(caseworker=alice)
    assert list(plan.named_clients.values_list("client_ref", "planned_action")) == [
        ("K-00001", "a2")
    ]


def test_add_row_without_js_rerenders_with_a_blank_row_and_saves_nothing(as_alice):
    response = as_alice.post(plan_url(), plan_post(1, [("K-00001", "a")], add_row="1"))
    body = response.content.decode()
    assert response.status_code == 200
    assert 'name="clients-1-client_ref"' in body
    assert "<html" in body
    assert not IndividualTarget.objects.exists()


def test_add_row_with_htmx_returns_the_form_partial(as_alice):
    response = as_alice.post(
        plan_url(), plan_post(1, [("K-00001", "a")], add_row="1"), HTTP_HX_REQUEST="true"
    )
    body = response.content.decode()
    assert body.lstrip().startswith("<form")
    assert 'name="clients-1-client_ref"' in body
    assert 'value="K-00001"' in body


def test_changes_after_the_decision_are_kept_in_history(as_alice, alice, org, maria):
    as_alice.post(plan_url(), plan_post(1, [("K-00001", "a")]))
    assert not CycleChange.objects.exists()  # free before the decision
    as_alice.post(plan_url(), plan_post(2, [("K-00001", "a")]))
    assert not CycleChange.objects.exists()
    GroupDecision.objects.create(unit=org["a"], month=APRIL, eor=4, rationale="r", decided_by=maria)
    as_alice.post(plan_url(), plan_post(3, [("K-00001", "a"), ("K-00002", "ny")]))
    change = CycleChange.objects.get()
    assert change.kind == "plan" and change.subject == alice and change.changed_by == alice
    assert change.before == {"target": 2, "clients": [{"ref": "K-00001", "action": "a"}]}
    assert change.after["target"] == 3 and len(change.after["clients"]) == 2
    page = as_alice.get(plan_url()).content.decode()
    assert "Ändringar efter gruppbeslutet" in page


def test_plan_start_redirects_to_next_month(as_alice):
    response = as_alice.get(reverse("goals:plan_start"))
    assert response.url == plan_url()


def test_bad_month_in_url_is_404(as_alice):
    assert as_alice.get("/mal/plan/unit-a/2026-13/").status_code == 404


def test_a_plan_created_meanwhile_in_another_tab_is_updated_not_duplicated(
    alice, org, today, register, monkeypatch
):
    """Both tabs saw no plan; the second create hits the unique constraint and updates."""
    services.plan_save(unit=org["a"], caseworker=alice, month=APRIL, target=1, clients=[], by=alice)
    real_for_update = IndividualTarget.objects.select_for_update
    calls = {"n": 0}

    def first_sees_nothing(*args, **kwargs):
        calls["n"] += 1
        qs = real_for_update(*args, **kwargs)
        return qs.none() if calls["n"] == 1 else qs

    monkeypatch.setattr(IndividualTarget.objects, "select_for_update", first_sees_nothing)
    services.plan_save(
        unit=org["a"], caseworker=alice, month=APRIL, target=4, clients=[("K-00001", "x")], by=alice
    )
    plan = IndividualTarget.objects.get()
    assert plan.target == 4
    assert list(plan.named_clients.values_list("client_ref", flat=True)) == ["K-00001"]


def _carried_rows(body: str) -> int:
    return body.count("från förra månaden")


@pytest.mark.parametrize("add_row", [False, True])
def test_a_refused_save_keeps_which_rows_came_from_last_month(as_alice, add_row):
    """After a refused save (or the no-JS add-row round trip) only the row carried over from
    last month says so; a hidden False posted back as "False" once marked every row."""
    data = plan_post(
        "abc" if not add_row else 2,
        [("K-00001", "Praktik"), ("K-00002", "CV-stöd"), ("K-00003", "Ny åtgärd")],
    )
    data["clients-0-carried_over"] = "True"
    data["clients-1-carried_over"] = "False"  # what the hidden input posts for a new row
    if add_row:
        data["add_row"] = "1"
    body = as_alice.post(plan_url(), data).content.decode()
    assert "Praktik" in body and "Ny åtgärd" in body
    assert _carried_rows(body) == 1


def test_a_refused_save_of_a_prefilled_plan_marks_only_the_prefilled_rows(
    as_alice, alice, org, register
):
    services.plan_save(
        unit=org["a"], caseworker=alice, month=MARCH, target=1,
        clients=[("K-00002", "CV-stöd")], by=alice,
    )  # fmt: skip
    page = as_alice.get(plan_url()).content.decode()
    assert _carried_rows(page) == 1
    # Post back what the page holds plus a row of one's own, with a refused target.
    data = plan_post("", [("K-00002", "CV-stöd"), ("K-00001", "Ny plan")])
    data["clients-0-carried_over"] = "True"
    data["clients-1-carried_over"] = "False"
    body = as_alice.post(plan_url(), data).content.decode()
    assert "Ange ditt mål" in body or "errorlist" in body
    assert _carried_rows(body) == 1
