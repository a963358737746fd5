"""Every group EOR names its indicator and a target in that indicator's unit (issue 14).

The decisions recorded before were counts of exits to work or studies: they become EORs on
the built-in `avslut` indicator with target = the old `eor`. Versions are now numbered per
unit, month AND indicator.

Not atomic as a whole: on PostgreSQL, altering a table after updating its rows in the same
transaction fails ("pending trigger events" of the deferred foreign key), so the data step
commits on its own between the schema steps.
"""

import django.db.models.deletion
from django.db import migrations, models

import goals.models


def decisions_to_avslut(apps, schema_editor):
    Indicator = apps.get_model("goals", "Indicator")
    GroupDecision = apps.get_model("goals", "GroupDecision")
    if not GroupDecision.objects.exists():
        return
    avslut = Indicator.objects.get(code="avslut")
    GroupDecision.objects.update(indicator=avslut, target=models.F("eor"))


def decisions_back(apps, schema_editor):
    GroupDecision = apps.get_model("goals", "GroupDecision")
    # Only the exit EORs can go back to being a plain count; the others have no old form.
    GroupDecision.objects.exclude(indicator__code="avslut").delete()
    for decision in GroupDecision.objects.all():
        decision.eor = int(decision.target)
        decision.save(update_fields=["eor"])


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("goals", "0004_cycle_history_reminders_guests"),
    ]

    operations = [
        migrations.AddField(
            model_name="groupdecision",
            name="indicator",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="decisions",
                to="goals.indicator",
                verbose_name="indikator",
            ),
        ),
        migrations.AddField(
            model_name="groupdecision",
            name="target",
            field=models.DecimalField(
                decimal_places=2, max_digits=12, null=True, verbose_name="EOR"
            ),
        ),
        migrations.AlterField(
            model_name="groupdecision",
            name="eor",
            field=models.PositiveIntegerField(null=True, verbose_name="EOR"),
        ),
        migrations.RunPython(decisions_to_avslut, decisions_back, atomic=True),
        migrations.RemoveConstraint(
            model_name="groupdecision",
            name="goals_decision_unique_version",
        ),
        migrations.RemoveField(
            model_name="groupdecision",
            name="eor",
        ),
        migrations.AlterField(
            model_name="groupdecision",
            name="indicator",
            field=models.ForeignKey(
                default=goals.models.default_eor_indicator,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="decisions",
                to="goals.indicator",
                verbose_name="indikator",
            ),
        ),
        migrations.AlterField(
            model_name="groupdecision",
            name="target",
            field=models.DecimalField(decimal_places=2, max_digits=12, verbose_name="EOR"),
        ),
        migrations.AlterModelOptions(
            name="groupdecision",
            options={
                "ordering": ["unit", "month", "indicator", "-version"],
                "verbose_name": "gruppbeslut (EOR)",
                "verbose_name_plural": "gruppbeslut (EOR)",
            },
        ),
        migrations.AddConstraint(
            model_name="groupdecision",
            constraint=models.UniqueConstraint(
                fields=("unit", "month", "indicator", "version"),
                name="goals_decision_unique_version",
            ),
        ),
        migrations.AddConstraint(
            model_name="groupdecision",
            constraint=models.CheckConstraint(
                condition=models.Q(("target__gte", 0)), name="goals_decision_target_gte_0"
            ),
        ),
    ]
