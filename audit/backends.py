"""Authentication backends: the lock-out check, and the optional OpenID Connect sign-in."""

from __future__ import annotations

from axes.backends import AxesStandaloneBackend


class LockoutBackend(AxesStandaloneBackend):
    """django-axes' lock-out check, first in AUTHENTICATION_BACKENDS.

    Every sign-in over HTTP passes the request (Django's LoginView, the OIDC callback), and
    is counted and locked out per username and IP address. A call without a request cannot
    come from a browser (the test client's login(), a shell): axes would raise there, so it
    is left to the next backend.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
