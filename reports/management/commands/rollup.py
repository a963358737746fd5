"""python manage.py rollup [--year Y] [--unit CODE]: recompute rollups on demand."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from goals.models import Unit
from reports.compute import recompute
from reports.models import RollupRun


class Command(BaseCommand):
    help = (
        "Recompute the monthly rollups. Without options: every organisation, from the month "
        "of the first event to now. --year limits the months rewritten to that year (earlier "
        "events are still read: open starts carry over); --unit limits the rows rewritten to "
        "that unit and the units below it."
    )

    def add_arguments(self, parser):
        parser.add_argument("--year", help="four-digit year, e.g. 2018")
        parser.add_argument("--unit", help="unit code")

    def handle(self, *args, **options):
        first = last = None
        if options["year"] is not None:
            raw = str(options["year"]).strip()
            if not (raw.isdigit() and len(raw) == 4 and 1900 <= int(raw) <= 9999):
                raise CommandError(f"--year: expected a four-digit year such as 2018, got {raw!r}")
            first, last = dt.date(int(raw), 1, 1), dt.date(int(raw), 12, 1)
        unit = None
        if options["unit"] is not None:
            try:
                unit = Unit.objects.get(code=options["unit"])
            except Unit.DoesNotExist:
                raise CommandError(f"--unit: no unit with code {options['unit']!r}") from None
        run = recompute(
            trigger=RollupRun.Trigger.COMMAND, subtree=unit, first_month=first, last_month=last
        )
        seconds = (run.finished_at - run.started_at).total_seconds()
        self.stdout.write(
            f"Rollup {run.pk}: {run.rows_written} rows from {run.events_read} events, "
            f"{run.first_month:%Y-%m}..{run.last_month:%Y-%m}, {run.backend}, {seconds:.2f} s"
        )
