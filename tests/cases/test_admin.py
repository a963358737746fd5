from __future__ import annotations

import pytest
from django.urls import reverse

from cases.models import CaseEvent, CaseEventHistory, Client
from trelleborg.months import today

pytestmark = pytest.mark.django_db


def test_admin_refuses_personal_number_as_client_ref(client, ada, org):
    client.force_login(ada)
    response = client.post(
        reverse("admin:cases_client_add"),
        {
            "organisation": org["root"].pk,
            "ref": "19900101-1234",
            "created_at_0": "",
            "created_at_1": "",
        },
    )
    assert response.status_code == 200
    assert "personnummer" in response.content.decode()
    assert not Client.objects.exists()


def test_admin_change_keeps_history_and_announces(
    client, ada, case_a, org, changes, django_capture_on_commit_callbacks
):
    event = CaseEvent.objects.for_case(case_a).get()
    client.force_login(ada)
    url = reverse("admin:cases_caseevent_change", args=[event.pk])
    data = {
        "unit": org["a"].pk,
        "event_type": "referral",
        "occurred_on": today().isoformat(),
        "reason": "",
        "program": "forsorjningsstod",
        "decision_mode": "",
        "history-TOTAL_FORMS": "0",
        "history-INITIAL_FORMS": "0",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    event.refresh_from_db()
    assert event.event_type == "referral"
    history = CaseEventHistory.objects.get(event=event)
    assert (history.source, history.changed_by) == ("admin", ada)
    assert changes

    response = client.post(url, {**data, "event_type": "exit"})
    assert response.status_code == 200
    assert "orsak" in response.content.decode()
