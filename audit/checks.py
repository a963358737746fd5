"""System checks that keep the hardening from being switched off by accident."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, Tags, register


@register(Tags.security, deploy=True)
def check_hardening(app_configs, **kwargs):
    errors = []
    backends = settings.AUTHENTICATION_BACKENDS
    if not backends or backends[0] != "audit.backends.LockoutBackend":
        errors.append(
            Error(
                "The lock-out backend must come first in AUTHENTICATION_BACKENDS.",
                id="audit.E001",
            )
        )
    if "audit.sessions.SessionTimeoutMiddleware" not in settings.MIDDLEWARE:
        errors.append(Error("SessionTimeoutMiddleware is not installed.", id="audit.E002"))
    if "csp.middleware.CSPMiddleware" not in settings.MIDDLEWARE:
        errors.append(Error("The Content-Security-Policy middleware is missing.", id="audit.E003"))
    return errors
