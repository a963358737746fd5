"""Writes of the integrations app that span rows: API tokens and the Kolada import."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from goals.models import Unit

from .kolada import KoladaError, KoladaValue
from .models import ApiToken, ComparisonGroup
from .models import KoladaValue as KoladaValueRow

TOKEN_PREFIX = "eor"


@dataclass(frozen=True)
class KoladaImportResult:
    created: int
    updated: int
    unchanged: int
    ignored: int  # values in a saved file outside the requested kpis/years/municipalities


def comparison_municipalities(organisation: Unit) -> list[tuple[str, str]]:
    """(code, name) of the organisation's own municipality first, then its comparison group."""
    if not organisation.municipality_code:
        raise KoladaError(
            f"Organisationen {organisation.code} saknar kommunkod: ange den på enheten "
            "(fältet kommunkod, t.ex. 1287 för Trelleborg)."
        )
    group = ComparisonGroup.objects.filter(organisation=organisation).first()
    own_name = group.municipality_name if group else organisation.name
    places = [(organisation.municipality_code, own_name)]
    if group:
        places += [(m.code, m.name) for m in group.members.all() if m.code != places[0][0]]
    return places


@transaction.atomic
def kolada_values_import(
    *,
    values: Iterable[KoladaValue],
    kpis: Sequence[str],
    years: Sequence[int],
    municipalities: Sequence[str],
) -> KoladaImportResult:
    """Upsert the values that were asked for, all or nothing; idempotent.

    A value is keyed by kpi, municipality, year and gender; a re-import of the same response
    changes nothing, a changed value (Kolada revises figures) is updated in place.
    """
    wanted_kpis, wanted_years, wanted_places = set(kpis), set(years), set(municipalities)
    incoming: dict[tuple[str, str, int, str], KoladaValue] = {}
    ignored = 0
    for value in values:
        if (
            value.kpi in wanted_kpis
            and value.year in wanted_years
            and value.municipality in wanted_places
        ):
            incoming[value.key] = value
        else:
            ignored += 1
    existing = {
        (row.kpi, row.municipality, row.year, row.gender): row
        for row in KoladaValueRow.objects.filter(
            kpi__in=wanted_kpis, year__in=wanted_years, municipality__in=wanted_places
        )
    }
    now = timezone.now()
    to_create, to_update, unchanged = [], [], 0
    for key, value in incoming.items():
        row = existing.get(key)
        if row is None:
            to_create.append(
                KoladaValueRow(
                    kpi=value.kpi,
                    municipality=value.municipality,
                    year=value.year,
                    gender=value.gender,
                    value=value.value,
                    status=value.status,
                    count=value.count,
                    imported_at=now,
                )
            )
        elif (row.value, row.status, row.count) != (value.value, value.status, value.count):
            row.value, row.status, row.count, row.imported_at = (
                value.value,
                value.status,
                value.count,
                now,
            )
            to_update.append(row)
        else:
            unchanged += 1
    KoladaValueRow.objects.bulk_create(to_create, batch_size=500)
    KoladaValueRow.objects.bulk_update(
        to_update, ["value", "status", "count", "imported_at"], batch_size=500
    )
    return KoladaImportResult(
        created=len(to_create), updated=len(to_update), unchanged=unchanged, ignored=ignored
    )


# --- API tokens -----------------------------------------------------------------------------


def _hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def token_secret_new() -> tuple[str, str, str]:
    """A fresh (prefix, full token, hash of the full token)."""
    prefix = secrets.token_hex(6)
    raw = f"{TOKEN_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
    return prefix, raw, _hash_secret(raw)


def token_create(*, name: str, scope: str, units: Iterable[Unit], by=None) -> tuple[ApiToken, str]:
    """Create a token and return it with its full secret, which is not stored anywhere.

    The token reads ``eor_<prefix>_<secret>``: the prefix finds the row, the whole string is
    hashed and compared in constant time.
    """
    units = list(units)
    if not units:
        raise ValueError("a token needs at least one unit")
    if scope not in ApiToken.Scope.values:
        raise ValueError(f"unknown scope {scope!r}")
    prefix, raw, secret_hash = token_secret_new()
    token = ApiToken.objects.create(
        name=name, prefix=prefix, secret_hash=secret_hash, scope=scope, created_by=by
    )
    token.units.set(units)
    return token, raw


def token_revoke(*, token: ApiToken, by=None) -> ApiToken:
    """Revoke a token for good (a revoked token is never accepted again)."""
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.revoked_by = by
        token.save(update_fields=["revoked_at", "revoked_by"])
    return token


def token_authenticate(raw: str) -> ApiToken | None:
    """The active token whose secret is `raw`, or None; records when it was last used."""
    parts = (raw or "").strip().split("_", 2)
    if len(parts) != 3 or parts[0] != TOKEN_PREFIX or len(raw) > 200:
        return None
    token = ApiToken.objects.active().filter(prefix=parts[1]).first()
    if token is None or not hmac.compare_digest(token.secret_hash, _hash_secret(raw.strip())):
        return None
    now = timezone.now()
    # One write per minute at most: a busy robot should not turn every read into a write.
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token
