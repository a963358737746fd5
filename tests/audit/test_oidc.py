"""Optional OpenID Connect sign-in: off by default, matches existing accounts only."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

from audit.oidc import MunicipalityOIDCBackend
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

OIDC = {
    "EOR_OIDC_ENABLED": True,
    "OIDC_RP_CLIENT_ID": "eor",
    "OIDC_RP_CLIENT_SECRET": "hemligt",
    "OIDC_OP_AUTHORIZATION_ENDPOINT": "https://idp.example.se/authorize",
    "OIDC_OP_TOKEN_ENDPOINT": "https://idp.example.se/token",
    "OIDC_OP_USER_ENDPOINT": "https://idp.example.se/userinfo",
    "OIDC_OP_JWKS_ENDPOINT": "https://idp.example.se/jwks",
    "OIDC_RP_SIGN_ALGO": "RS256",
    "OIDC_AUTHENTICATION_CALLBACK_URL": "audit:oidc_callback",
    "OIDC_CREATE_USER": False,
    "OIDC_USE_PKCE": True,
    "OIDC_RP_SCOPES": "openid email profile",
}


@pytest.fixture
def oidc_on(settings):
    for name, value in OIDC.items():
        setattr(settings, name, value)
    settings.AUTHENTICATION_BACKENDS = [
        *settings.AUTHENTICATION_BACKENDS,
        "audit.oidc.MunicipalityOIDCBackend",
    ]
    return settings


def test_off_by_default_no_button_and_no_endpoints(client):
    assert b"kommunens inloggning" not in client.get(reverse("login")).content
    assert client.get(reverse("audit:oidc_login")).status_code == 404
    assert client.get(reverse("audit:oidc_callback")).status_code == 404


def test_configured_shows_button_and_redirects_to_the_provider(client, oidc_on):
    page = client.get(reverse("login"))
    assert b"Logga in med kommunens inloggning" in page.content
    response = client.get(reverse("audit:oidc_login"))
    assert response.status_code == 302
    location = response["Location"]
    assert location.startswith("https://idp.example.se/authorize?")
    assert "code_challenge=" in location  # PKCE
    assert "client_id=eor" in location


def test_matches_an_active_account_by_username_claim(oidc_on, alice):
    backend = MunicipalityOIDCBackend()
    assert list(backend.filter_users_by_claims({"preferred_username": "alice"})) == [alice]
    assert not backend.filter_users_by_claims({"preferred_username": "okänd"}).exists()
    assert not backend.verify_claims({"email": "x@example.se"})


def test_matches_by_email_when_configured(oidc_on, alice):
    oidc_on.EOR_OIDC_USERNAME_CLAIM = "email"
    backend = MunicipalityOIDCBackend()
    assert list(backend.filter_users_by_claims({"email": alice.email.upper()})) == [alice]


def test_never_matches_a_deactivated_account_nor_creates_one(oidc_on, alice, django_user_model):
    alice.is_active = False
    alice.save()
    backend = MunicipalityOIDCBackend()
    assert not backend.filter_users_by_claims({"preferred_username": "alice"}).exists()
    assert backend.get_user(alice.pk) is None
    count = django_user_model.objects.count()
    backend.get_userinfo = lambda *a: {"preferred_username": "ny-person"}
    assert backend.get_or_create_user("access", "id", {}) is None
    assert django_user_model.objects.count() == count


def test_grants_no_roles(oidc_on, django_user_model):
    newcomer = UserFactory(username="nykomling")
    backend = MunicipalityOIDCBackend()
    backend.get_userinfo = lambda *a: {"preferred_username": "nykomling", "roles": ["admin"]}
    user = backend.get_or_create_user("access", "id", {})
    assert user == newcomer
    user.refresh_from_db()
    assert not user.is_superuser and not user.is_staff
    assert not user.memberships.exists()


def test_half_configured_oidc_refuses_to_start():
    env = {k: v for k, v in os.environ.items() if not k.startswith("OIDC_")}
    env.update(OIDC_RP_CLIENT_ID="eor", DEBUG="true")
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=Path(__file__).resolve().parents[2],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "OIDC_RP_CLIENT_SECRET" in result.stderr


def test_a_refused_callback_lands_on_the_sign_in_page_not_a_404(client, oidc_on):
    # settings.py names the failure page by URL name; mozilla-django-oidc redirects to the
    # setting as given, which made "login" a relative redirect to /logg/oidc/callback/login.
    oidc_on.LOGIN_REDIRECT_URL_FAILURE = "login"
    response = client.get(reverse("audit:oidc_callback"), {"error": "access_denied"})
    assert response.status_code == 302
    assert response["Location"] == reverse("login")
