from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases import pending
from cases.models import CaseEvent, PendingImport, PendingImportChunk

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


def test_a_refused_preview_keeps_nothing(client, maria):
    client.force_login(maria)
    upload(client, csv("p2,P1,K-101,unit-a,,exit,2018-02-03,,,"))
    assert not PendingImport.objects.exists()


def test_confirm_from_another_session_of_the_same_user(client, maria):
    """The file waits in the database, not in one process or session: a confirm reaching
    another web process (here another signed-in client) imports it."""
    client.force_login(maria)
    token = upload(client, csv(*ROWS)).context["token"]
    other = Client()
    other.force_login(maria)
    assert other.post(reverse("cases:import_confirm"), {"token": token}).status_code == 302
    assert CaseEvent.objects.count() == 2
    assert not PendingImport.objects.exists() and not PendingImportChunk.objects.exists()


def test_files_round_trip_in_pieces(maria, monkeypatch):
    monkeypatch.setattr(pending, "CHUNK_BYTES", 7)
    data = csv(*ROWS) * 3
    waiting = pending.store(SimpleUploadedFile("h.csv", data), user=maria)
    assert waiting.chunks.count() == -(-len(data) // 7)
    found = pending.find(waiting.token.hex, user=maria)
    with pending.claim(found) as stream:
        assert stream.read() == data
    assert pending.claim(found) is None  # used once
    assert not PendingImportChunk.objects.exists()


def test_find_refuses_other_users_bad_tokens_and_old_files(maria, ada):
    waiting = pending.store(SimpleUploadedFile("h.csv", csv(*ROWS)), user=maria)
    assert pending.find(waiting.token.hex, user=ada) is None
    assert pending.find("not-a-token", user=maria) is None
    assert pending.find("", user=maria) is None
    PendingImport.objects.update(created_at=timezone.now() - pending.MAX_AGE - dt.timedelta(1))
    assert pending.find(waiting.token.hex, user=maria) is None


def test_old_files_are_swept_without_reading_them(maria):
    old = pending.store(SimpleUploadedFile("old.csv", csv(*ROWS)), user=maria)
    PendingImport.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(2))
    with CaptureQueriesContext(connection) as queries:
        fresh = pending.store(SimpleUploadedFile("new.csv", csv(*ROWS)), user=maria)
    assert list(PendingImport.objects.values_list("pk", flat=True)) == [fresh.pk]
    assert list(PendingImportChunk.objects.values_list("pending_id", flat=True)) == [fresh.pk]
    reads = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("SELECT")]
    assert not any('"data"' in sql for sql in reads)
