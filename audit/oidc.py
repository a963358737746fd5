"""OpenID Connect sign-in through the municipality's identity provider (optional).

On only when OIDC_RP_CLIENT_ID and the endpoints are set (settings.py). The provider proves
who the person is; what they may see stays with EOR's memberships: a person is matched to
an existing, active account by one claim, accounts are never created here, and no role is
ever taken from the provider's claims.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import resolve_url
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView


class MunicipalityOIDCBackend(OIDCAuthenticationBackend):
    def _claim(self) -> str:
        return settings.EOR_OIDC_USERNAME_CLAIM

    def verify_claims(self, claims: dict) -> bool:
        value = claims.get(self._claim())
        return isinstance(value, str) and bool(value.strip())

    def filter_users_by_claims(self, claims: dict):
        value = str(claims.get(self._claim(), "")).strip()
        if not value:
            return self.UserModel.objects.none()
        active = self.UserModel.objects.filter(is_active=True)
        if self._claim() == "email":
            return active.filter(email__iexact=value)
        return active.filter(username=value)

    def describe_user_by_claims(self, claims: dict) -> str:
        return f"{self._claim()} claim"

    def create_user(self, claims: dict):  # never reached with OIDC_CREATE_USER = False
        raise PermissionError("OIDC sign-in never creates accounts")

    def get_user(self, user_id):
        # mozilla-django-oidc's own get_user does not check is_active; Django's does.
        return ModelBackend.get_user(self, user_id)


def _enabled() -> None:
    if not getattr(settings, "EOR_OIDC_ENABLED", False):
        raise Http404("OpenID Connect is not configured")


def oidc_login(request: HttpRequest) -> HttpResponse:
    _enabled()
    return OIDCAuthenticationRequestView.as_view()(request)


class CallbackView(OIDCAuthenticationCallbackView):
    @property
    def failure_url(self) -> str:
        # mozilla-django-oidc redirects to LOGIN_REDIRECT_URL_FAILURE as given; settings name
        # a URL pattern ("login"), which unresolved became a relative redirect to a 404 page
        # (found by tests/browser/test_oidc_signin.py, a refused deactivated account).
        return resolve_url(super().failure_url)


def oidc_callback(request: HttpRequest) -> HttpResponse:
    _enabled()
    return CallbackView.as_view()(request)
