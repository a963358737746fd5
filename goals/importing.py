"""The units import (DESIGN.md "Units CSV"): validate the whole file, then write it at once.

Columns `code,name,parent`; parents may come after their children and may also be units that
already exist. Nothing is written unless every row is valid, and a re-import updates names
and parents, re-deriving the path of every unit whose ancestry changed (descendants that are
not in the file included).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import BinaryIO

from django.core.exceptions import ValidationError
from django.core.validators import validate_slug
from django.db import transaction
from django.utils.translation import gettext as _

from trelleborg.csvread import CsvError, CsvInvalid, CsvReader

from .models import Unit

COLUMNS = ("code", "name", "parent")
CODE_MAX = Unit._meta.get_field("code").max_length
NAME_MAX = Unit._meta.get_field("name").max_length
PATH_MAX = Unit._meta.get_field("path").max_length


@dataclass(frozen=True)
class UnitRow:
    line: int
    code: str
    name: str
    parent: str


@dataclass(frozen=True)
class UnitImportResult:
    created: int
    updated: int
    unchanged: int
    paths_changed: int


def _code_problem(value: str) -> str | None:
    if len(value) > CODE_MAX:
        return _("Koden är längre än %(max)d tecken.") % {"max": CODE_MAX}
    try:
        validate_slug(value)
    except ValidationError:
        return _("Koden %(code)r får bara innehålla bokstäverna a–z, siffror, - och _.") % {
            "code": value
        }
    return None


def read_unit_rows(source: bytes | BinaryIO) -> list[UnitRow]:
    """Parse and check every row on its own; raise CsvInvalid listing every problem."""
    errors: list[CsvError] = []
    reader = CsvReader(source, columns=COLUMNS, errors=errors, max_field_size=2_000)
    rows: list[UnitRow] = []
    first_line: dict[str, int] = {}
    for row in reader:
        code, name, parent = row["code"], row["name"], row["parent"]
        ok = True
        if not code:
            errors.append(CsvError(row.line, "code", _("Koden saknas.")))
            ok = False
        elif problem := _code_problem(code):
            errors.append(CsvError(row.line, "code", problem))
            ok = False
        elif code in first_line:
            errors.append(
                CsvError(
                    row.line,
                    "code",
                    _("Koden %(code)r finns redan på rad %(line)d.")
                    % {"code": code, "line": first_line[code]},
                )
            )
            ok = False
        else:
            first_line[code] = row.line
        if not name:
            errors.append(CsvError(row.line, "name", _("Namnet saknas.")))
            ok = False
        elif len(name) > NAME_MAX:
            errors.append(
                CsvError(
                    row.line, "name", _("Namnet är längre än %(max)d tecken.") % {"max": NAME_MAX}
                )
            )
            ok = False
        elif "\n" in name or "\r" in name:
            errors.append(CsvError(row.line, "name", _("Namnet får inte innehålla radbrytningar.")))
            ok = False
        if parent and (problem := _code_problem(parent)):
            errors.append(CsvError(row.line, "parent", problem))
            ok = False
        if ok:
            rows.append(UnitRow(row.line, code, name, parent))
    if not errors and not rows:
        errors.append(CsvError(0, None, _("Filen innehåller inga enheter, bara en rubrikrad.")))
    if errors:
        raise CsvInvalid(errors)
    return rows


def _plan_paths(parent_of: dict[str, str | None]) -> tuple[dict[str, str], dict[str, str]]:
    """The path of every unit under the merged parent map, and the codes caught in cycles
    (code -> the cycle as text)."""
    paths: dict[str, str] = {}
    cycles: dict[str, str] = {}
    for start in parent_of:
        chain: list[str] = []
        seen: set[str] = set()
        code: str | None = start
        while code is not None and code not in paths and code not in cycles:
            if code in seen:
                loop = chain[chain.index(code) :] + [code]
                for member in chain[chain.index(code) :]:
                    cycles[member] = " → ".join(loop)
                break
            seen.add(code)
            chain.append(code)
            code = parent_of[code]
        # Resolve the chain from the top down (anything above a cycle member is cyclic too).
        for member in reversed(chain):
            if member in cycles:
                continue
            parent = parent_of[member]
            if parent is not None and parent in cycles:
                cycles[member] = cycles[parent]
                continue
            paths[member] = (paths[parent] if parent else "/") + member + "/"
    return paths, cycles


@transaction.atomic
def import_units(source: bytes | BinaryIO) -> UnitImportResult:
    """Validate the file completely, then create/update its units in one transaction.

    Raises CsvInvalid (nothing written) when any row is wrong.
    """
    rows = read_unit_rows(source)
    # Locked so that two imports at once apply one after the other.
    existing = {u.code: u for u in Unit.objects.select_for_update()}
    code_of = {u.pk: code for code, u in existing.items()}
    parent_of: dict[str, str | None] = {
        code: code_of.get(u.parent_id) for code, u in existing.items()
    }
    errors: list[CsvError] = []
    file_codes = {r.code for r in rows}
    for row in rows:
        if row.parent and row.parent not in existing and row.parent not in file_codes:
            errors.append(
                CsvError(
                    row.line,
                    "parent",
                    _(
                        "Okänd överordnad enhet %(parent)r: den finns varken i filen eller bland enheterna."
                    )
                    % {"parent": row.parent},
                )
            )
    if errors:
        raise CsvInvalid(errors)
    for row in rows:
        parent_of[row.code] = row.parent or None
    paths, cycles = _plan_paths(parent_of)
    for row in rows:
        if row.code == row.parent:
            errors.append(
                CsvError(row.line, "parent", _("Enheten kan inte vara sin egen överordnade."))
            )
        elif row.code in cycles:
            errors.append(
                CsvError(
                    row.line,
                    "parent",
                    _("Enheterna bildar en cykel: %(cycle)s.") % {"cycle": cycles[row.code]},
                )
            )
        elif len(paths[row.code]) > PATH_MAX:
            errors.append(CsvError(row.line, "parent", _("Enhetsträdet är för djupt.")))
    if errors:
        raise CsvInvalid(errors)
    return _apply(rows, existing, parent_of, paths)


def _apply(
    rows: list[UnitRow],
    existing: dict[str, Unit],
    parent_of: dict[str, str | None],
    paths: dict[str, str],
) -> UnitImportResult:
    in_file = {row.code: row for row in rows}
    new_units = [
        Unit(code=row.code, name=row.name, path=paths[row.code])
        for row in rows
        if row.code not in existing
    ]
    Unit.objects.bulk_create(new_units)
    # bulk_create sets primary keys only on some databases: reload the new rows by code.
    by_code = dict(existing)
    by_code.update(Unit.objects.in_bulk([u.code for u in new_units], field_name="code"))

    created = len(new_units)
    updated = unchanged = paths_changed = 0
    dirty: list[Unit] = []
    for code, unit in by_code.items():
        parent_code = parent_of[code]
        parent_id = by_code[parent_code].pk if parent_code else None
        changed = False
        row = in_file.get(code)
        if row is not None and code in existing:
            if unit.name != row.name or unit.parent_id != parent_id:
                updated += 1
            else:
                unchanged += 1
        if row is not None and unit.name != row.name:
            unit.name = row.name
            changed = True
        if unit.parent_id != parent_id:
            unit.parent_id = parent_id
            changed = True
        if unit.path != paths[code]:
            if code in existing:
                paths_changed += 1
            unit.path = paths[code]
            changed = True
        if changed:
            dirty.append(unit)
    Unit.objects.bulk_update(dirty, ["name", "parent", "path"], batch_size=500)
    return UnitImportResult(
        created=created, updated=updated, unchanged=unchanged, paths_changed=paths_changed
    )
