"""Response headers and the production deployment check."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


def _csp(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    directives = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


def test_strict_content_security_policy_on_pages(client, alice):
    client.force_login(alice)
    csp = _csp(client.get(reverse("home")))
    assert csp["default-src"] == ["'self'"]
    assert csp["script-src"] == ["'self'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["form-action"] == ["'self'"]
    assert csp["img-src"] == ["'self'", "data:"]
    assert csp["style-src"] == ["'self'"]
    everything = " ".join(v for values in csp.values() for v in values)
    assert "unsafe-inline" not in everything
    assert "unsafe-eval" not in everything


def test_pages_have_no_inline_script_or_handlers(client, alice):
    client.force_login(alice)
    html = client.get(reverse("home")).content.decode()
    import re

    for tag in re.findall(r"<script\b[^>]*>", html):
        assert "src=" in tag or 'type="application/json"' in tag, tag
    assert not re.search(r"\son[a-z]+\s*=", html)


def test_signed_in_pages_are_not_stored(client, alice):
    client.force_login(alice)
    response = client.get(reverse("home"))
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]


def test_sign_in_page_is_not_stored(client):
    assert "no-store" in client.get(reverse("login"))["Cache-Control"]


def test_other_security_headers(client):
    response = client.get(reverse("login"))
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def _production_env(**extra: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("SECURE_", "DJANGO_", "OIDC_", "DEBUG"))
    }
    env.update(
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="eor.example.se",
        **extra,
    )
    return env


def _check_deploy(env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_deploy_check_is_clean_with_production_settings():
    result = _check_deploy(_production_env())
    assert result.returncode == 0, result.stdout + result.stderr


def test_deploy_check_fails_when_https_is_switched_off():
    result = _check_deploy(_production_env(SECURE_SSL_REDIRECT="false", SECURE_HSTS_SECONDS="0"))
    assert result.returncode != 0
    assert "security.W008" in result.stdout + result.stderr
