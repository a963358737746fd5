"""The personal-number guard, proven with numbers generated in memory (never stored)."""

from __future__ import annotations

import datetime as dt
import random
import uuid

import pytest
from django.core.exceptions import ValidationError

from cases.validators import (
    looks_like_personal_number,
    personal_number_error,
    validate_not_personal_number,
)


def luhn_digit(nine: str) -> str:
    total = 0
    for index, char in enumerate(nine):
        product = int(char) * (2 if index % 2 == 0 else 1)
        total += product // 10 + product % 10
    return str((10 - total % 10) % 10)


def random_numbers(rng: random.Random, count: int) -> list[str]:
    """Personnummer and samordningsnummer in every common format, right and wrong check
    digits, with and without century."""
    out = []
    for _ in range(count):
        born = dt.date(1900, 1, 1) + dt.timedelta(days=rng.randrange(0, 125 * 365))
        day = born.day + (60 if rng.random() < 0.3 else 0)  # samordningsnummer
        short = f"{born:%y}{born.month:02d}{day:02d}"
        serial = f"{rng.randrange(0, 1000):03d}"
        check = luhn_digit(short + serial)
        if rng.random() < 0.3:
            check = str((int(check) + rng.randrange(1, 10)) % 10)  # a mistyped number
        tail = serial + check
        century = f"{born:%Y}"[:2]
        sep = "+" if rng.random() < 0.2 else "-"
        out += [
            f"{short}{sep}{tail}",
            f"{short}{tail}",
            f"{century}{short}{tail}",
            f"{century}{short}-{tail}",
            f"{short} - {tail}",
            f"K-{century}{short}{tail}",
            f"ref {short}–{tail}",  # an en dash from a word processor
        ]
    return out


def test_generated_personal_numbers_are_refused():
    rng = random.Random(20181)
    numbers = random_numbers(rng, 300)
    refused = [n for n in numbers if looks_like_personal_number(n)]
    assert refused == numbers


@pytest.mark.parametrize(
    "value",
    [
        "K-00123",
        "2018-0042",
        "ÄR-123456",
        "123",
        "12345",
        "123456",
        "A000123",
        "2018-03-15",
        "K-2018-0042-17",
        "ärende 17",
        "991399-1234",  # month 13 is no date
        "900230-1234",  # 30 February
        "250101-12",  # too short a serial
        "17000101-1234",  # a century no living person has
        "1234567890123",  # a longer digit run is some other identifier
    ],
)
def test_ordinary_references_pass(value):
    assert not looks_like_personal_number(value)
    validate_not_personal_number(value)
    assert personal_number_error(value) is None


def test_uuids_pass():
    rng = random.Random(7)
    for _ in range(500):
        value = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        assert not looks_like_personal_number(value), value


def test_leap_day_without_century_is_refused():
    # 29 February 1900 does not exist, 2000 does: a six-digit 000229 is someone's birthday.
    assert looks_like_personal_number("000229-1234")


def test_message_is_swedish_and_does_not_repeat_the_number():
    number = "19900101-1234"
    with pytest.raises(ValidationError) as info:
        validate_not_personal_number(number)
    message = info.value.messages[0]
    assert "personnummer" in message
    assert number not in message
    assert personal_number_error(number) == message
