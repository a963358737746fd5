"""Rate limits of the JSON API (issue 13, point 8), on django-ninja's throttles and the cache
(Redis in production, so the limits hold across processes; locmem in tests).

Three limits, each a rate "N/period" in settings (env: EOR_API_RATE_PER_TOKEN,
EOR_API_RATE_PER_ADDRESS, EOR_API_BAD_TOKENS_PER_ADDRESS), answered with 429 and
Retry-After:
- per token: requests made with one token, from anywhere;
- per address: every request from one client address, with or without a valid token (it is
  checked before the token, so a stream of bad tokens is limited too);
- bad tokens per address: requests without a valid token; past it, the address is refused
  even with a good token until the window has passed (guessing tokens does not pay).
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from ninja.errors import Throttled
from ninja.throttling import SimpleRateThrottle

from audit.net import client_ip


class _SettingRate(SimpleRateThrottle):
    """A ninja throttle whose rate is read from settings on every request (so it follows
    the settings, in tests too) and whose address is the project's idea of the client."""

    setting = ""

    def __init__(self) -> None:  # the rate is read per request, not once
        pass

    def _load_rate(self) -> None:
        self.rate = getattr(settings, self.setting)
        self.num_requests, self.duration = self.parse_rate(self.rate)

    def allow_request(self, request: HttpRequest) -> bool:
        self._load_rate()
        return super().allow_request(request)

    def _key_for(self, ident: object) -> str:
        return self.cache_format % {"scope": self.scope, "ident": ident}


class TokenRateThrottle(_SettingRate):
    scope = "eor_api_token"
    setting = "EOR_API_RATE_PER_TOKEN"

    def get_cache_key(self, request: HttpRequest) -> str | None:
        token = getattr(request, "auth", None)
        return None if token is None else self._key_for(token.pk)


class AddressRateThrottle(_SettingRate):
    scope = "eor_api_address"
    setting = "EOR_API_RATE_PER_ADDRESS"

    def get_cache_key(self, request: HttpRequest) -> str | None:
        return self._key_for(client_ip(request) or "unknown")


class BadTokenThrottle(_SettingRate):
    """Counts only failures: `refused` looks without counting, `count_failure` counts."""

    scope = "eor_api_bad_token"
    setting = "EOR_API_BAD_TOKENS_PER_ADDRESS"

    def get_cache_key(self, request: HttpRequest) -> str | None:
        return self._key_for(client_ip(request) or "unknown")

    def refused(self, request: HttpRequest) -> bool:
        self._load_rate()
        self.key = self.get_cache_key(request)
        self.now = self.timer()
        self.history = [t for t in self.cache.get(self.key, []) if t > self.now - self.duration]
        return len(self.history) >= self.num_requests

    def count_failure(self, request: HttpRequest) -> None:
        self.allow_request(request)


def check_before_authentication(request: HttpRequest) -> None:
    """Raise Throttled (429) for an address past its request rate or its bad-token rate."""
    by_address = AddressRateThrottle()
    if not by_address.allow_request(request):
        raise Throttled(wait=by_address.wait())
    bad = BadTokenThrottle()
    if bad.refused(request):
        raise Throttled(wait=bad.wait())


def count_bad_token(request: HttpRequest) -> None:
    BadTokenThrottle().count_failure(request)
