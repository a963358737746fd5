"""The change log as people read it (issue 15): Swedish field labels and choice names
instead of raw keys and codes, related objects by name instead of by id, one line per change
with the details on demand.

The entries store what django-auditlog stores (field name → [before, after] as text); this
module only presents them, for one page of entries at a time, with one query per related
model on the page (never one per entry).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import FieldDoesNotExist
from django.core.paginator import Page
from django.db import models
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from goals.models import Unit
from trelleborg.vocabulary import Source

from .models import AuditEntry

ACTIONS = {
    AuditEntry.Action.CREATE: gettext_lazy("Skapad"),
    AuditEntry.Action.UPDATE: gettext_lazy("Ändrad"),
    AuditEntry.Action.DELETE: gettext_lazy("Borttagen"),
    AuditEntry.Action.ACCESS: gettext_lazy("Läst"),
}

# Labels for fields declared without a verbose_name (Django would show "recorded by").
FALLBACK_LABELS = {
    "id": gettext_lazy("id"),
    "organisation": gettext_lazy("organisation"),
    "case": gettext_lazy("ärende"),
    "client": gettext_lazy("klient"),
    "unit": gettext_lazy("enhet"),
    "user": gettext_lazy("användare"),
    "target": gettext_lazy("individuellt mål"),
    "source": gettext_lazy("källa"),
    "recorded_by": gettext_lazy("registrerad av"),
    "recorded_at": gettext_lazy("registrerad"),
    "updated_at": gettext_lazy("uppdaterad"),
    "created_at": gettext_lazy("skapad"),
    "carried_over": gettext_lazy("överförd från förra månaden"),
    "parent": gettext_lazy("överordnad enhet"),
    "path": gettext_lazy("sökväg"),
    "is_active": gettext_lazy("aktiv"),
    "is_staff": gettext_lazy("personal"),
    "is_superuser": gettext_lazy("administratör"),
    "username": gettext_lazy("användarnamn"),
    "first_name": gettext_lazy("förnamn"),
    "last_name": gettext_lazy("efternamn"),
    "email": gettext_lazy("e-post"),
}
SUMMARY_FIELDS = 3  # field names shown on the line itself; the rest behind "och N till"
# Bookkeeping that changes with every write: in the details, never on the line.
QUIET_FIELDS = frozenset({"updated_at", "recorded_at"})
_EMPTY = ("", "None", None)


@dataclass
class FieldChange:
    label: str
    before: str
    after: str
    quiet: bool = False


@dataclass
class Presented:
    action: str
    model: str
    source: str
    fields: list[FieldChange] = field(default_factory=list)
    note: str = ""
    imported: str = ""  # "importerad i import #N av …" on an import's entries

    @property
    def summary_fields(self) -> str:
        loud = [f for f in self.fields if not f.quiet]
        labels = [f.label for f in loud[:SUMMARY_FIELDS]]
        more = len(loud) - SUMMARY_FIELDS
        text = ", ".join(labels)
        if more > 0:
            text += " " + _("och %(count)d till") % {"count": more}
        return text


def _label(model: type[models.Model] | None, name: str, model_field) -> str:
    if model_field is not None:
        verbose = str(getattr(model_field, "verbose_name", "") or "")
        if verbose and verbose != name.replace("_", " "):
            return capfirst(verbose)
    return capfirst(str(FALLBACK_LABELS.get(name, name.replace("_", " "))))


def _field(model: type[models.Model] | None, name: str):
    if model is None:
        return None
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        return None


def _plain(value, model_field, names: dict) -> str:
    if value in _EMPTY:
        return "–"
    text = str(value)
    if model_field is None:
        return text
    if getattr(model_field, "choices", None):
        return str(dict(model_field.flatchoices).get(text, text))
    if isinstance(model_field, models.DateTimeField):
        # auditlog keeps str() of the stored value: UTC, without its zone.
        moment = parse_datetime(text)
        if moment is not None:
            if timezone.is_naive(moment):
                moment = timezone.make_aware(moment, dt.UTC)
            return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")
        return text
    if isinstance(model_field, models.BooleanField):
        return str(_("Ja") if text == "True" else _("Nej") if text == "False" else text)
    if model_field.many_to_one or model_field.one_to_one:
        return names.get((model_field.related_model, text), text)
    return text


def _source_label(value: str) -> str:
    if not value:
        return str(_("kommando/jobb"))
    return str(Source(value).label) if value in Source.values else value


def _imported(data: dict) -> str:
    number = data.get("import_id")
    if not isinstance(number, int):
        return ""
    return _("importerad i import #%(number)d av %(by)s") % {
        "number": number,
        "by": data.get("import_by") or _("system"),
    }


def present_page(page: Page) -> Page:
    """Attach `entry.shown` (a `Presented`) to every entry of `page`, in a query per related
    model on the page; `page.object_list` becomes a list."""
    entries = list(page.object_list)
    page.object_list = entries
    wanted: dict[type[models.Model], set[str]] = defaultdict(set)
    for entry in entries:
        model = entry.content_type.model_class()
        for name, values in (entry.changes or {}).items():
            model_field = _field(model, name)
            related = model_field is not None and (
                model_field.many_to_one or model_field.one_to_one
            )
            if related and isinstance(values, list | tuple):
                wanted[model_field.related_model].update(str(v) for v in values if v not in _EMPTY)
    names: dict = {}
    for related, ids in wanted.items():
        keys = [int(i) for i in ids if i.isdigit()]
        for pk, obj in related._default_manager.in_bulk(keys).items():
            names[(related, str(pk))] = str(obj)
        codes = [i for i in ids if not i.isdigit()]
        if codes and related is Unit:  # the import's entries name units by code
            for unit in Unit.objects.filter(code__in=codes).only("code", "name"):
                names[(Unit, unit.code)] = str(unit)
    for entry in entries:
        model = entry.content_type.model_class()
        shown = Presented(
            action=str(ACTIONS.get(entry.action, entry.get_action_display())),
            model=capfirst(str(model._meta.verbose_name)) if model else entry.content_type.name,
            source=_source_label(entry.source),
            note=str((entry.additional_data or {}).get("motivering", "")),
            imported=_imported(entry.additional_data or {}),
        )
        for name, values in (entry.changes or {}).items():
            model_field = _field(model, name)
            if model_field is not None and not getattr(model_field, "concrete", True):
                continue  # a reverse relation ("history"): nothing a person can read
            label = _label(model, name, model_field)
            if isinstance(values, dict):  # a many-to-many change: {"operation", "objects"}
                objects = ", ".join(str(o) for o in values.get("objects", []))
                sign = "+" if values.get("operation") == "add" else "−"
                shown.fields.append(FieldChange(label, "", f"{sign} {objects}"))
                continue
            before, after = ([*values, None, None])[:2]
            if entry.action == AuditEntry.Action.DELETE:
                after = before  # what was deleted: shown as the value it had
            shown.fields.append(
                FieldChange(
                    label,
                    _plain(before, model_field, names),
                    _plain(after, model_field, names),
                    quiet=name in QUIET_FIELDS,
                )
            )
        entry.shown = shown
    return page
