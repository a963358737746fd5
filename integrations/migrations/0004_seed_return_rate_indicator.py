"""Seed the built-in return-rate indicator `aterkomst` (a data migration with a reverse).

The share of clients who exited to work or studies in a month and had no new application
within 12 months (integrations computes it; see integrations/frames.py).
"""

from django.db import migrations

CODE = "aterkomst"


def seed(apps, schema_editor):
    Indicator = apps.get_model("goals", "Indicator")
    Indicator.objects.update_or_create(
        code=CODE,
        defaults={
            "name": "Självförsörjning efter avslut (ingen ny ansökan inom 12 månader)",
            "kind": "return_rate",
            "start_event_type": "",
            "end_event_type": "",
            "reasons": ["work", "studies"],
            "program": "",
            "unit_label": "%",
            "direction": "higher",
            "built_in": True,
            "sort_order": 80,
        },
    )


def unseed(apps, schema_editor):
    apps.get_model("goals", "Indicator").objects.filter(code=CODE).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("goals", "0003_indicator_kind_return_rate"),
        ("integrations", "0003_decision_mode_return_rate_year_lead_time"),
    ]

    operations = [migrations.RunPython(seed, unseed)]
