from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cases.models import CaseEvent

from .test_import import csv

pytestmark = pytest.mark.django_db
HX = {"HTTP_HX_REQUEST": "true"}
ROWS = [
    "p1,P1,K-101,unit-a,,application_received,2018-01-03,,,",
    "p2,P1,K-101,unit-a,,exit,2018-02-03,work,,",
]


def upload(client, data: bytes, **extra):
    return client.post(
        reverse("cases:import_events"),
        {"file": SimpleUploadedFile("handelser.csv", data, content_type="text/csv")},
        **extra,
    )


def test_preview_then_confirm(client, maria):
    client.force_login(maria)
    response = upload(client, csv(*ROWS))
    body = response.content.decode()
    assert response.status_code == 200
    assert 'data-count="new">2<' in body and "Bekräfta och importera" in body
    assert not CaseEvent.objects.exists()  # the preview writes nothing
    token = response.context["token"]
    response = client.post(reverse("cases:import_confirm"), {"token": token})
    assert response.status_code == 302
    assert CaseEvent.objects.count() == 2
    assert set(CaseEvent.objects.values_list("recorded_by__username", flat=True)) == {"maria"}
    # the token is single-use
    response = client.post(reverse("cases:import_confirm"), {"token": token}, follow=True)
    assert "Ladda upp filen igen" in response.content.decode()
    assert CaseEvent.objects.count() == 2


def test_preview_lists_every_error_with_line_and_column(client, maria):
    client.force_login(maria)
    response = upload(
        client,
        csv(
            ROWS[0],
            "p2,P1,K-101,unit-a,,exit,2018-02-03,,,",
            "p3,P3,K-103,unit-b,,referral,2018-02-03,,,",
        ),
        **HX,
    )
    body = response.content.decode()
    assert "<html" not in body and 'id="import-preview"' in body
    assert "2 fel" in body and "Bekräfta" not in body
    assert '<td class="num">3</td><td>reason</td>' in body
    assert '<td class="num">4</td><td>unit</td>' in body
    assert not CaseEvent.objects.exists()


def test_confirm_validates_again(client, maria, org):
    client.force_login(maria)
    token = upload(client, csv(*ROWS)).context["token"]
    org["a"].code = "renamed"
    org["a"].save(update_fields=["code"])
    response = client.post(reverse("cases:import_confirm"), {"token": token})
    assert "Okänd enhet" in response.content.decode()
    assert not CaseEvent.objects.exists()


def test_confirm_needs_own_token(client, maria, ada):
    client.force_login(maria)
    token = upload(client, csv(*ROWS)).context["token"]
    client.force_login(ada)
    client.post(reverse("cases:import_confirm"), {"token": token})
    assert not CaseEvent.objects.exists()


def test_admin_imports_every_unit(client, ada):
    client.force_login(ada)
    response = upload(client, csv(*ROWS, "p3,P3,K-103,unit-b,,referral,2018-02-03,,,"))
    assert 'data-count="new">3<' in response.content.decode()


@pytest.mark.parametrize("persona", ["alice", "carl", "lena"])
def test_caseworkers_and_leadership_get_404(client, personas, persona):
    client.force_login(personas[persona])
    assert client.get(reverse("cases:import_events")).status_code == 404
    assert upload(client, csv(*ROWS)).status_code == 404
    assert client.post(reverse("cases:import_confirm"), {"token": "0" * 32}).status_code == 404
    assert not CaseEvent.objects.exists()


def test_empty_upload_is_refused(client, maria):
    client.force_login(maria)
    response = upload(client, b"")
    assert response.status_code == 200
    assert not CaseEvent.objects.exists()


def test_nav_shows_import_to_managers(client, maria, alice):
    client.force_login(maria)
    assert "Importera händelser" in client.get(reverse("home")).content.decode()
    client.force_login(alice)
    assert "Importera händelser" not in client.get(reverse("home")).content.decode()
