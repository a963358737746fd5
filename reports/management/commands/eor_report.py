"""python manage.py eor_report --unit CODE --year YYYY [--format json|csv]"""

from __future__ import annotations

import csv
import json

from django.core.management.base import BaseCommand, CommandError

from goals.models import Unit
from reports.report import csv_columns, csv_rows, eor_report
from trelleborg.spreadsheets import safe_cell


class Command(BaseCommand):
    help = (
        "Monthly EOR figures of a unit (pooled over the units below it) for a year, exactly "
        "as DESIGN.md 'Report' specifies. The unit's subtree is recomputed for the year first. "
        "JSON (default) on stdout; CSV: one row per month with the columns month, exits_work, "
        "exits_studies, exits_total, eor, individual_targets_sum, then for each lead-time "
        "indicator CODE: CODE_n, CODE_median, CODE_p90, CODE_open (empty = null)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--unit", required=True, help="unit code")
        parser.add_argument("--year", required=True, help="four-digit year, e.g. 2018")
        parser.add_argument("--format", choices=["json", "csv"], default="json")

    def handle(self, *args, **options):
        raw_year = str(options["year"]).strip()
        if not (raw_year.isdigit() and len(raw_year) == 4 and 1900 <= int(raw_year) <= 9999):
            raise CommandError(f"--year: expected a four-digit year such as 2018, got {raw_year!r}")
        try:
            unit = Unit.objects.get(code=options["unit"])
        except Unit.DoesNotExist:
            raise CommandError(f"--unit: no unit with code {options['unit']!r}") from None
        report = eor_report(unit, int(raw_year))
        if options["format"] == "csv":
            writer = csv.DictWriter(
                self.stdout, fieldnames=csv_columns(report), lineterminator="\n"
            )
            writer.writeheader()
            # The contract's values are months, numbers and empty cells, which the safe-cell
            # rule leaves as they are; it is applied so that no CSV escapes it.
            writer.writerows({k: safe_cell(v) for k, v in r.items()} for r in csv_rows(report))
        else:
            self.stdout.write(json.dumps(report, ensure_ascii=False))
