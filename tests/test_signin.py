from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_anonymous_is_sent_to_sign_in(client):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_sign_in_and_out(client, alice):
    response = client.post(
        reverse("login"), {"username": "alice", "password": "test-password-123"}, follow=True
    )
    assert response.status_code == 200
    assert b"Grupp A" in response.content
    response = client.post(reverse("logout"), follow=True)
    assert response.request["PATH_INFO"] == reverse("login")


def test_wrong_password_is_refused_in_swedish(client, alice):
    response = client.post(reverse("login"), {"username": "alice", "password": "fel"})
    assert response.status_code == 200
    assert "korrekt användarnamn och lösenord".encode() in response.content
