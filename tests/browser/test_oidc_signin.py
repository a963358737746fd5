"""Sign-in through a real OpenID Connect provider, end to end in Chromium.

The provider is npm's `oidc-provider` (OpenID Certified), started on loopback by the
`oidc_provider` fixture (tests/plugins/oidc_provider.py, scripts/oidc-provider.mjs); nothing
is mocked. The flow is the authorisation code flow with PKCE (S256): the provider requires
PKCE of this client, so a sign-in that succeeds has sent the verifier. The provider proves
who someone is; EOR decides whether that account may sign in (audit/oidc.py).
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

pytestmark = pytest.mark.browser


@pytest.fixture
def oidc_settings(settings, oidc_provider):
    """EOR configured for the provider, as settings.py does from the environment."""
    settings.EOR_OIDC_ENABLED = True
    settings.OIDC_RP_CLIENT_ID = oidc_provider["client_id"]
    settings.OIDC_RP_CLIENT_SECRET = oidc_provider["client_secret"]
    settings.OIDC_OP_AUTHORIZATION_ENDPOINT = oidc_provider["authorization_endpoint"]
    settings.OIDC_OP_TOKEN_ENDPOINT = oidc_provider["token_endpoint"]
    settings.OIDC_OP_USER_ENDPOINT = oidc_provider["userinfo_endpoint"]
    settings.OIDC_OP_JWKS_ENDPOINT = oidc_provider["jwks_uri"]
    settings.OIDC_RP_SIGN_ALGO = "RS256"
    settings.OIDC_RP_SCOPES = "openid email profile"
    settings.OIDC_USE_PKCE = True
    settings.OIDC_CREATE_USER = False
    settings.OIDC_AUTHENTICATION_CALLBACK_URL = "audit:oidc_callback"
    settings.LOGIN_REDIRECT_URL_FAILURE = "login"
    settings.AUTHENTICATION_BACKENDS = [
        *settings.AUTHENTICATION_BACKENDS,
        "audit.oidc.MunicipalityOIDCBackend",
    ]
    return oidc_provider


def provider_sign_in(page, live_server, provider: dict, username: str) -> list[str]:
    """From EOR's login page through the provider's login form, as a person would; the
    authorisation requests the browser made."""
    authorisations: list[str] = []
    endpoint = provider["authorization_endpoint"]
    page.on("request", lambda r: r.url.startswith(endpoint) and authorisations.append(r.url))
    page.goto(live_server.url + reverse("login"))
    page.get_by_role("link", name="Logga in med kommunens inloggning").click()
    page.locator("input[name=login]").fill(username)
    page.locator("input[name=password]").fill("any-password-the-test-provider-accepts")
    page.get_by_role("button", name="Sign-in").click()
    return authorisations


def signed_in_user_id(page) -> str | None:
    """Whom EOR's session (the browser's session cookie) belongs to."""
    from django.conf import settings
    from django.contrib.sessions.backends.db import SessionStore

    for cookie in page.context.cookies():
        if cookie["name"] == settings.SESSION_COOKIE_NAME:
            return SessionStore(session_key=cookie["value"]).get("_auth_user_id")
    return None


def test_signs_in_through_the_provider_refuses_a_deactivated_account_and_signs_out(
    browser, page, live_server, personas, oidc_settings
):
    # An active account: signed in, back on EOR's start page, as alice.
    authorisations = provider_sign_in(page, live_server, oidc_settings, "alice")
    page.wait_for_url(live_server.url + reverse("home"))
    assert page.get_by_role("button", name="Logga ut").is_visible()
    assert signed_in_user_id(page) == str(personas["alice"].pk)

    # The authorisation request was the code flow with PKCE (S256) and a nonce.
    query = parse_qs(urlsplit(authorisations[0]).query)
    assert query["response_type"] == ["code"]
    assert query["code_challenge_method"] == ["S256"]
    assert len(query["code_challenge"][0]) >= 43
    assert query["nonce"] and query["state"]

    # Sign out: EOR's session ends; its pages ask for a sign-in again.
    page.get_by_role("button", name="Logga ut").click()
    page.wait_for_url("**/logga-in/")
    page.goto(live_server.url + reverse("home"))
    page.wait_for_url("**/logga-in/**")
    assert page.get_by_role("button", name="Logga ut").count() == 0
    assert signed_in_user_id(page) is None

    # A deactivated account: the provider vouches for bob, EOR refuses him. (A fresh browser,
    # so the provider's session for alice plays no part.)
    bob = personas["bob"]
    bob.is_active = False
    bob.save(update_fields=["is_active"])
    context = browser.new_context(base_url=live_server.url, locale="sv-SE")
    context.set_default_timeout(10_000)
    other = context.new_page()
    try:
        assert provider_sign_in(other, live_server, oidc_settings, "bob")
        other.wait_for_url("**/logga-in/**")
        assert other.get_by_role("button", name="Logga ut").count() == 0
        assert signed_in_user_id(other) is None
        other.goto(live_server.url + reverse("home"))
        other.wait_for_url("**/logga-in/**")
    finally:
        context.close()
