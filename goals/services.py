"""Writes to the organisation that span rows: keeping unit paths right."""

from __future__ import annotations

from django.db import transaction

from .models import Unit


@transaction.atomic
def unit_save(*, unit: Unit) -> Unit:
    """Save a unit and re-derive the path of it and every unit below it."""
    old_path = None
    if unit.pk:
        old_path = Unit.objects.filter(pk=unit.pk).values_list("path", flat=True).first()
    unit.path = unit.expected_path()
    unit.save()
    if old_path and old_path != unit.path:
        for child in Unit.objects.filter(path__startswith=old_path).exclude(pk=unit.pk):
            child.path = unit.path + child.path[len(old_path) :]
            child.save(update_fields=["path"])
    return unit
