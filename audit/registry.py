"""Which models the audit trail tracks, and which unit each tracked object belongs to.

Registered from AuditConfig.ready(): `goals` and `cases` do not know `audit` exists
(dependencies run goals ← cases ← reports ← audit). django-auditlog connects model signals,
so every write through the ORM's save()/delete() is recorded in the same transaction, with
the values before and after. Bulk writes send no model signals: they are recorded through
`audit.services.record_bulk` (see audit.apps).
"""

from __future__ import annotations

from auditlog.registry import auditlog
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist
from django.db import models

# (app_label.ModelName, registration options). "Who, when, before and after" for every
# create, change and delete of the objects the issue names, plus manual values and the
# user accounts themselves (activation and rights, never the password hash).
TRACKED: dict[str, dict] = {
    "cases.CaseEvent": {},
    "cases.Client": {},
    "cases.Case": {},
    "goals.IndividualTarget": {},
    "goals.NamedClient": {},
    "goals.GroupDecision": {"m2m_fields": {"participants"}},
    "goals.YearGoal": {},
    "goals.MonthFollowUp": {},
    "goals.ManualValue": {},
    "goals.Unit": {},
    "goals.Membership": {},
    "goals.Indicator": {},
}

USER_FIELDS = [
    "username",
    "first_name",
    "last_name",
    "email",
    "is_active",
    "is_staff",
    "is_superuser",
]


def register_tracked_models() -> None:
    for label, options in TRACKED.items():
        try:
            model = apps.get_model(label)
        except LookupError:  # an app that is not installed in this deployment
            continue
        if not auditlog.contains(model):
            auditlog.register(model, **options)
    user_model = get_user_model()
    if not auditlog.contains(user_model):
        auditlog.register(user_model, include_fields=USER_FIELDS)


def _unit_path(unit_id: int | None) -> str:
    if unit_id is None:
        return ""
    from goals.models import Unit

    return Unit.objects.filter(pk=unit_id).values_list("path", flat=True).first() or ""


def unit_path_of(instance: models.Model) -> str:
    """The path of the unit a tracked object belongs to ("" for objects of no unit, which
    only administrators see in the log)."""
    from goals.models import Unit

    if isinstance(instance, Unit):
        return instance.path or ""
    unit = _loaded(instance, "unit")
    if unit is not None:
        return unit.path
    if getattr(instance, "unit_id", None) is not None:
        return _unit_path(instance.unit_id)
    target_id = getattr(instance, "target_id", None)  # a named client: its target's unit
    if target_id is not None:
        from goals.models import IndividualTarget

        unit_id = (
            IndividualTarget.objects.filter(pk=target_id).values_list("unit_id", flat=True).first()
        )
        return _unit_path(unit_id)
    # a client: its organisation (a client belongs to no single unit)
    return _unit_path(getattr(instance, "organisation_id", None))


def _loaded(instance: models.Model, name: str):
    """A related object already loaded on the instance, without a query (else None)."""
    if getattr(instance, "_meta", None) is None:
        return None
    try:
        field = instance._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    if field.is_relation and field.is_cached(instance):
        return field.get_cached_value(instance)
    return None


def tracked_models() -> list[type[models.Model]]:
    return sorted(auditlog.get_models(), key=lambda m: str(m._meta.verbose_name))
