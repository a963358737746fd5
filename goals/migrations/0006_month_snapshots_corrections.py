import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


def restated_only_where_corrected(apps, schema_editor):
    """Until now every change to events in a closed month (even the demo's own load, and
    any refresh) marked it restated without a record of what changed. From here a month is
    restated only when a correction is recorded: keep the flag where a decision or an
    evaluation was corrected with a reason, and clear it elsewhere."""
    MonthFollowUp = apps.get_model("goals", "MonthFollowUp")
    CycleChange = apps.get_model("goals", "CycleChange")
    corrected = set(
        CycleChange.objects.filter(kind__in=["decision", "evaluation"]).values_list(
            "unit_id", "month"
        )
    )
    for follow_up in MonthFollowUp.objects.filter(restated=True).only("pk", "unit_id", "month"):
        if (follow_up.unit_id, follow_up.month) not in corrected:
            MonthFollowUp.objects.filter(pk=follow_up.pk).update(restated=False)


class Migration(migrations.Migration):
    dependencies = [
        ("goals", "0005_eor_on_indicator"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="monthfollowup",
            name="snapshot",
            field=models.JSONField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="yeargoal",
            name="baseline_value",
            field=models.DecimalField(
                blank=True, decimal_places=2, max_digits=12, null=True, verbose_name="basvärde"
            ),
        ),
        migrations.AddField(
            model_name="yeargoal",
            name="baseline_source",
            field=models.CharField(blank=True, max_length=200, verbose_name="källa för basvärdet"),
        ),
        migrations.CreateModel(
            name="MonthCorrection",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("month", models.DateField(verbose_name="månad")),
                (
                    "corrected_at",
                    models.DateTimeField(default=django.utils.timezone.now, verbose_name="när"),
                ),
                ("source", models.CharField(max_length=200, verbose_name="källa")),
                ("reason", models.TextField(blank=True, verbose_name="skäl")),
                ("description", models.CharField(max_length=500, verbose_name="ändring")),
                (
                    "corrected_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="av",
                    ),
                ),
                (
                    "event_unit",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="goals.unit",
                    ),
                ),
                (
                    "unit",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="month_corrections",
                        to="goals.unit",
                    ),
                ),
            ],
            options={
                "verbose_name": "rättelse av stängd månad",
                "verbose_name_plural": "rättelser av stängda månader",
                "ordering": ["-corrected_at", "-id"],
                "indexes": [
                    models.Index(fields=["unit", "month"], name="goals_monthcorr_unit_month")
                ],
            },
        ),
        migrations.RunPython(restated_only_where_corrected, migrations.RunPython.noop),
    ]
