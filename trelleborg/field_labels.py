"""Swedish labels for model fields that have no verbose_name (issue 15: the admin showed
"Created by", "Revoked by", "Path", "Decided at"…).

A field without verbose_name gets its name with spaces, in English, untranslatable. Giving
each one a verbose_name in its model would mean a migration per app for no schema change;
instead, `apply()` sets the label at start-up, only on fields still carrying that default
(or, for django-auditlog's fields, their bare English name).
Migrations never see it: `Field.deconstruct()` reads the constructor's `_verbose_name`, so
`makemigrations --check` stays clean (tests/trelleborg/test_ui_shell.py checks both).
A field that later gets its own verbose_name in code keeps it.
"""

from __future__ import annotations

from django.apps import apps
from django.utils import translation
from django.utils.translation import gettext_lazy as _

# field name -> label, for every app's models (one name means one thing across the project)
LABELS = {
    "path": _("sökväg"),
    "unit": _("enhet"),
    "user": _("användare"),
    "active": _("aktiv"),
    "built_in": _("inbyggd"),
    "direction": _("riktning"),
    "start_event_type": _("starthändelse"),
    "end_event_type": _("sluthändelse"),
    "program": _("program"),
    "reasons": _("avslutsorsaker"),
    "sort_order": _("sorteringsordning"),
    "baseline_year": _("basår"),
    "factor": _("faktor"),
    "indicator": _("indikator"),
    "set_by": _("satt av"),
    "target": _("mål"),
    "updated_at": _("uppdaterad"),
    "caseworker": _("handläggare"),
    "decided_at": _("beslutad"),
    "decided_by": _("beslutad av"),
    "version": _("version"),
    "before": _("före"),
    "after": _("efter"),
    "changed_at": _("ändrad"),
    "changed_by": _("ändrad av"),
    "subject": _("gäller"),
    "kind": _("typ"),
    "sent_at": _("skickad"),
    "closed_at": _("stängd"),
    "closed_by": _("stängd av"),
    "entered_at": _("inmatad"),
    "entered_by": _("inmatad av"),
    "created_at": _("skapad"),
    "created_by": _("skapad av"),
    "revoked_by": _("återkallad av"),
    "organisation": _("organisation"),
    "client": _("klient"),
    "case": _("ärende"),
    "recorded_at": _("registrerad"),
    "recorded_by": _("registrerad av"),
    "count": _("antal"),
    "status": _("status"),
    "prefix": _("prefix"),
    "secret_hash": _("hemlighetens hash"),
    "at": _("tidpunkt"),
    "duration_ms": _("svarstid (ms)"),
    "endpoint": _("anrop"),
    "method": _("metod"),
    "remote_addr": _("IP-adress"),
    "rows": _("rader"),
    "token": _("token"),
    "action": _("åtgärd"),
    "actor": _("utförd av"),
    "actor_email": _("e-post"),
    "additional_data": _("ytterligare data"),
    "object_pk": _("objektets id"),
    "remote_port": _("port"),
    "serialized_data": _("sparade data"),
    "timestamp": _("tidpunkt"),
    "unit_path": _("enhetens sökväg"),
    "object_repr": _("objekt"),
    "cid": _("korrelations-id"),
}
# django-auditlog's English labels that are more than the field's name
AUDITLOG_ENGLISH = {"object representation", "correlation id", "remote address"}
APPS = ("goals", "cases", "reports", "integrations", "audit", "auditlog")


def apply() -> None:
    for app_label in APPS:
        if not apps.is_installed(app_label) and app_label not in apps.app_configs:
            continue
        for model in apps.get_app_config(app_label).get_models():
            for field in model._meta.get_fields(include_hidden=False):
                label = LABELS.get(field.name)
                if label is None or not hasattr(field, "_verbose_name"):
                    continue
                if _english_default(field):
                    field.verbose_name = label


def _english_default(field) -> bool:
    """No verbose_name in code, or one that is only the field's own name in English
    (django-auditlog's "action", "timestamp"…, which ship no Swedish)."""
    if field._verbose_name is None:
        return True
    with translation.override(None):  # the msgid, whatever catalogues exist
        english = str(field._verbose_name).lower()
    return english == field.name.replace("_", " ") or english in AUDITLOG_ENGLISH
