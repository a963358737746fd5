from __future__ import annotations

import pytest
from django.urls import reverse

from goals.forms import IndicatorAdminForm
from goals.models import Indicator

pytestmark = pytest.mark.django_db


def form(**data):
    base = {
        "code": "ny",
        "name": "Ny indikator",
        "direction": "lower",
        "sort_order": 100,
        "active": True,
    }
    return IndicatorAdminForm(data={**base, **data})


def test_lead_time_between_two_different_event_types_is_accepted():
    f = form(kind="lead_time", start_event_type="first_meeting", end_event_type="plan_established")
    assert f.is_valid(), f.errors
    indicator = f.save()
    assert (indicator.start_event_type, indicator.end_event_type) == (
        "first_meeting",
        "plan_established",
    )


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [
        ("", "decision", "start_event_type"),
        ("decision", "", "end_event_type"),
        ("decision", "decision", "end_event_type"),
    ],
)
def test_lead_time_needs_two_different_event_types(start, end, field):
    f = form(kind="lead_time", start_event_type=start, end_event_type=end)
    assert not f.is_valid()
    assert field in f.errors
    assert not Indicator.objects.filter(code="ny").exists()


def test_exit_count_over_chosen_reasons_and_program():
    f = form(kind="exits", reasons=["work"], program="etablering", direction="higher")
    assert f.is_valid(), f.errors
    indicator = f.save()
    assert indicator.reasons == ["work"] and indicator.program == "etablering"


def test_exit_count_needs_at_least_one_reason():
    f = form(kind="exits", direction="higher")
    assert not f.is_valid()
    assert "reasons" in f.errors


def test_manual_value_needs_a_unit_label_and_no_events():
    assert "unit_label" in form(kind="manual").errors
    f = form(kind="manual", unit_label="%", start_event_type="decision")
    assert not f.is_valid()
    assert form(kind="manual", unit_label="%").is_valid()


def test_return_rate_is_allowed_with_reasons_only():
    assert form(kind="return_rate", reasons=["work", "studies"], direction="lower").is_valid()
    assert "reasons" in form(kind="return_rate", direction="lower").errors
    assert not form(
        kind="return_rate", reasons=["work"], start_event_type="exit", direction="lower"
    ).is_valid()


def test_built_in_indicators_cannot_be_deleted(client, ada):
    client.force_login(ada)
    built_in = Indicator.objects.get(code="avslut")
    response = client.post(
        reverse("admin:goals_indicator_delete", args=[built_in.pk]), {"post": "yes"}
    )
    assert response.status_code == 403
    client.post(
        reverse("admin:goals_indicator_changelist"),
        {"action": "delete_selected", "_selected_action": [built_in.pk], "post": "yes"},
    )
    assert Indicator.objects.filter(code="avslut").exists()


def test_admin_adds_an_indicator_through_the_admin(client, ada):
    client.force_login(ada)
    response = client.post(
        reverse("admin:goals_indicator_add"),
        {
            "code": "ledtid_plan",
            "name": "Tid till planering",
            "kind": "lead_time",
            "start_event_type": "first_meeting",
            "end_event_type": "plan_established",
            "program": "",
            "unit_label": "dagar",
            "direction": "lower",
            "active": "on",
            "sort_order": "80",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Indicator.objects.filter(code="ledtid_plan", built_in=False).exists()


def test_built_in_change_page_renders_and_keeps_its_definition(client, ada):
    client.force_login(ada)
    built_in = Indicator.objects.get(code="utredningstid")
    url = reverse("admin:goals_indicator_change", args=[built_in.pk])
    assert client.get(url).status_code == 200
    client.post(
        url,
        {
            "name": "Utredningstid",
            "unit_label": "dagar",
            "direction": "lower",
            "active": "on",
            "sort_order": "30",
        },
    )
    built_in.refresh_from_db()
    assert built_in.name == "Utredningstid"
    assert built_in.start_event_type == "application_received"
