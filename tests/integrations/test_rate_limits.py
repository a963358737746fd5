"""The API answers 429 past its per-token, per-address and bad-token rates (issue 13,
point 8), counted in the cache; the rates come from settings (EOR_API_RATE_*)."""

from __future__ import annotations

import pytest
import time_machine
from django.core.cache import cache

pytestmark = pytest.mark.django_db
UNITS = "/api/v1/units"


@pytest.fixture(autouse=True)
def _empty_counts():
    cache.clear()
    yield
    cache.clear()


def get(client, bearer=None, ip="192.0.2.1", secret=None):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}"} if secret else {}
    if bearer is not None:
        headers = bearer.headers
    return client.get(UNITS, REMOTE_ADDR=ip, **headers)


def test_a_token_past_its_rate_gets_429_from_any_address(client, robot, make_token, settings):
    settings.EOR_API_RATE_PER_TOKEN = "5/m"
    answers = [get(client, robot, ip=f"192.0.2.{n}").status_code for n in range(1, 8)]
    assert answers == [200] * 5 + [429] * 2
    refused = get(client, robot, ip="192.0.2.99")
    assert refused.status_code == 429 and int(refused["Retry-After"]) >= 1
    assert "För många anrop" in refused.json()["detail"]
    # Another token is counted on its own.
    assert get(client, make_token(name="Robot 2")).status_code == 200


def test_an_address_past_its_rate_gets_429_whatever_the_token(client, make_token, settings):
    settings.EOR_API_RATE_PER_ADDRESS = "6/m"
    tokens = [make_token(name=f"Robot {n}") for n in range(7)]
    answers = [get(client, token).status_code for token in tokens]
    assert answers == [200] * 6 + [429]
    assert get(client, tokens[0], ip="192.0.2.2").status_code == 200  # another address


def test_forty_bad_tokens_in_a_row_are_limited_and_then_even_a_good_one(client, robot, settings):
    settings.EOR_API_BAD_TOKENS_PER_ADDRESS = "20/10m"
    answers = [get(client, secret=f"eor_{n:012d}_guess").status_code for n in range(40)]
    assert answers == [401] * 20 + [429] * 20
    assert get(client, robot).status_code == 429  # guessing from here does not pay
    assert get(client, robot, ip="192.0.2.7").status_code == 200  # other addresses unaffected


def test_the_bad_token_window_passes(client, robot, settings):
    settings.EOR_API_BAD_TOKENS_PER_ADDRESS = "3/m"
    with time_machine.travel("2026-03-02 08:00:00+00:00", tick=False) as clock:
        for _ in range(3):
            assert get(client).status_code == 401  # no token at all counts too
        assert get(client, robot).status_code == 429
        clock.shift(61)
        assert get(client, robot).status_code == 200


def test_default_rates_are_set_and_parse():
    from django.conf import settings as django_settings

    from integrations.throttling import AddressRateThrottle

    for name in (
        "EOR_API_RATE_PER_TOKEN",
        "EOR_API_RATE_PER_ADDRESS",
        "EOR_API_BAD_TOKENS_PER_ADDRESS",
    ):
        count, seconds = AddressRateThrottle().parse_rate(getattr(django_settings, name))
        assert count > 0 and seconds > 0


def test_the_schema_is_limited_like_the_endpoints(client, robot, settings):
    settings.EOR_API_BAD_TOKENS_PER_ADDRESS = "3/m"
    schema = "/api/openapi.json"
    answers = [
        client.get(schema, REMOTE_ADDR="192.0.2.1", HTTP_AUTHORIZATION="Bearer x").status_code
        for _ in range(4)
    ]
    assert answers == [401, 401, 401, 429]
    assert client.get(schema, REMOTE_ADDR="192.0.2.1", **robot.headers).status_code == 429
    assert client.get(schema, REMOTE_ADDR="192.0.2.2", **robot.headers).status_code == 200
