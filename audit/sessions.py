"""Session lifetime: 30 idle minutes, 12 hours in all, and ended when an account is deactivated.

SESSION_COOKIE_AGE alone cannot give an absolute limit: Django renews the expiry every time
the session is saved, and the idle check below saves it. So the time of sign-in is kept in
the session and both limits are enforced here, on every request.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from importlib import import_module

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import resolve_url
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import UserSession

SIGNED_IN_AT = "_eor_signed_in_at"
LAST_SEEN = "_eor_last_seen"
# Last-seen is written at most this often, so a burst of htmx requests does not rewrite the
# session row each time; the idle limit is then exact to within this many seconds.
TOUCH_EVERY_SECONDS = 60


def _now() -> int:
    return int(time.time())


class SessionTimeoutMiddleware:
    """Signs out a session idle for EOR_SESSION_IDLE_SECONDS or older than
    EOR_SESSION_MAX_SECONDS. Goes after AuthenticationMiddleware and MessageMiddleware."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            expired = self._check(request)
            if expired is not None:
                return expired
        return self.get_response(request)

    def _check(self, request: HttpRequest) -> HttpResponse | None:
        session = request.session
        now = _now()
        signed_in_at = session.get(SIGNED_IN_AT)
        last_seen = session.get(LAST_SEEN)
        if signed_in_at is None:  # a session from before this middleware: start counting now
            session[SIGNED_IN_AT] = signed_in_at = now
        too_old = now - signed_in_at > settings.EOR_SESSION_MAX_SECONDS
        idle = last_seen is not None and now - last_seen > settings.EOR_SESSION_IDLE_SECONDS
        if too_old or idle:
            logout(request)
            messages.info(request, _("Du har loggats ut. Logga in igen för att fortsätta."))
            login_url = resolve_url(settings.LOGIN_URL)
            if getattr(request, "htmx", False):
                # A partial must not be swapped for the sign-in page: send the browser there.
                return HttpResponse(status=204, headers={"HX-Redirect": login_url})
            if request.method == "GET":
                return redirect_to_login(request.get_full_path(), login_url)
            return redirect_to_login("/", login_url)
        if last_seen is None or now - last_seen >= TOUCH_EVERY_SECONDS:
            session[LAST_SEEN] = now
        return None


def _session_store():
    return import_module(settings.SESSION_ENGINE).SessionStore


def on_signed_in(sender, request, user, **kwargs) -> None:
    """user_logged_in: start the clocks and remember the session key for this user."""
    if request is None or not hasattr(request, "session"):
        return
    now = _now()
    request.session[SIGNED_IN_AT] = now
    request.session[LAST_SEEN] = now
    if not request.session.session_key:
        request.session.save()
    # Keys of sessions that have expired by now are of no use: keep the table small.
    stale = timezone.now() - dt.timedelta(seconds=settings.SESSION_COOKIE_AGE)
    UserSession.objects.filter(user=user, created_at__lt=stale).delete()
    UserSession.objects.get_or_create(
        session_key=request.session.session_key, defaults={"user": user}
    )


def on_signed_out(sender, request, user, **kwargs) -> None:
    if request is not None and getattr(request, "session", None) is not None:
        key = request.session.session_key
        if key:
            UserSession.objects.filter(session_key=key).delete()


def end_sessions_of(user_id: int) -> int:
    """Delete every session the user signed in with (any session engine). Returns the count."""
    keys = list(UserSession.objects.filter(user_id=user_id).values_list("session_key", flat=True))
    store = _session_store()
    for key in keys:
        store(session_key=key).delete()
    UserSession.objects.filter(user_id=user_id).delete()
    return len(keys)


def on_user_saved(sender, instance, created, update_fields=None, **kwargs) -> None:
    """post_save on the user model: a deactivated account keeps no session."""
    if created or instance.is_active:
        return
    if update_fields is not None and "is_active" not in update_fields:
        return
    end_sessions_of(instance.pk)
