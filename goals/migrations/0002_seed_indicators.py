"""Seed the built-in indicators of DESIGN.md (a data migration with a reverse)."""

from django.db import migrations

BUILT_IN = [
    # code, name, kind, start, end, reasons, program, unit_label, direction, order
    ("avslut", "Avslut till arbete eller studier", "exits", "", "", ["work", "studies"], "", "", "higher", 10),
    ("avslut_etablering", "Avslut till arbete eller studier inom etablering", "exits", "", "", ["work", "studies"], "etablering", "", "higher", 20),
    ("utredningstid", "Utredningstid (ansökan → beslut)", "lead_time", "application_received", "decision", [], "", "dagar", "lower", 30),
    ("ledtid_insats", "Tid till insats (remiss → insats)", "lead_time", "referral", "intervention_start", [], "", "dagar", "lower", 40),
    ("ledtid_kontrakt", "Tid till eget kontrakt (ankomst → kontrakt)", "lead_time", "arrival", "housing_contract", [], "", "dagar", "lower", 50),
    ("ledtid_rekrytering", "Rekryteringstid (uppdrag → matchning)", "lead_time", "recruitment_order", "candidate_matched", [], "", "dagar", "lower", 60),
    ("franvaro_skola", "Skolfrånvaro ensamkommande", "manual", "", "", [], "", "%", "lower", 70),
]


def seed(apps, schema_editor):
    Indicator = apps.get_model("goals", "Indicator")
    for code, name, kind, start, end, reasons, program, label, direction, order in BUILT_IN:
        Indicator.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "kind": kind,
                "start_event_type": start,
                "end_event_type": end,
                "reasons": reasons,
                "program": program,
                "unit_label": label,
                "direction": direction,
                "built_in": True,
                "sort_order": order,
            },
        )


def unseed(apps, schema_editor):
    apps.get_model("goals", "Indicator").objects.filter(
        code__in=[row[0] for row in BUILT_IN]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("goals", "0001_organisation_and_goals")]

    operations = [migrations.RunPython(seed, unseed)]
