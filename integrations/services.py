"""Writes of the integrations app that span rows: the Kolada import."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from goals.models import Unit

from .kolada import KoladaError, KoladaValue
from .models import ComparisonGroup
from .models import KoladaValue as KoladaValueRow


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
