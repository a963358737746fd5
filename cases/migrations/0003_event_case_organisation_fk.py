"""One composite foreign key for an event's case and organisation (see CaseEvent).

PostgreSQL only: SQLite cannot add a constraint to an existing table, and Django cannot
declare a composite foreign key; there Django's on_delete=PROTECT is what remains.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


FK = "cases_event_case_org_fk"


def add_composite_fk(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    # Deferred to the commit like every foreign key Django creates.
    schema_editor.execute(
        f"ALTER TABLE cases_caseevent ADD CONSTRAINT {FK} "
        "FOREIGN KEY (case_id, organisation_id) REFERENCES cases_case (id, organisation_id) "
        "ON DELETE NO ACTION DEFERRABLE INITIALLY DEFERRED"
    )


def drop_composite_fk(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE cases_caseevent DROP CONSTRAINT IF EXISTS {FK}")


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0002_drop_redundant_event_fk_indexes'),
        ('goals', '0004_cycle_history_reminders_guests'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name='caseevent',
            name='case',
            field=models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='events', to='cases.case'),
        ),
        migrations.AlterField(
            model_name='caseevent',
            name='organisation',
            field=models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='goals.unit'),
        ),
        migrations.AddConstraint(
            model_name='case',
            constraint=models.UniqueConstraint(fields=('id', 'organisation'), name='cases_case_id_org'),
        ),
        migrations.RunPython(add_composite_fk, drop_composite_fk, elidable=False),
    ]
