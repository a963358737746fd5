"""`python manage.py generate_synthetic --preset tiny|trelleborg|city|national [--seed N]
[--months 36] [--end YYYY-MM] [--password P] [--replace]`: benchmark data (bench/synthetic.py).

Deterministic for a seed and end month. Refuses to touch a database that already holds
organisations, people or events unless --replace (which removes them first).
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from bench import synthetic
from trelleborg.months import parse_month


class Command(BaseCommand):
    help = "Skapa syntetiska organisationer, personer, mål och ärendehändelser för benchmarks."

    def add_arguments(self, parser):
        parser.add_argument("--preset", required=True, choices=list(synthetic.PRESETS))
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--months", type=int, default=36, help="months of history")
        parser.add_argument("--end", help="last month YYYY-MM (default: the current month)")
        parser.add_argument(
            "--password", help="password for every generated user (default: unusable)"
        )
        parser.add_argument("--replace", action="store_true", help="remove existing data first")

    def handle(self, *args, preset, seed, months, end, password, replace, **options):
        try:
            end_month = parse_month(end) if end else None
        except ValueError as exc:
            raise CommandError(f"--end: {exc}") from exc
        started = time.monotonic()
        self.stdout.write(f"{preset} ({synthetic.PRESETS[preset].description}), seed {seed}")
        try:
            written = synthetic.generate(
                preset=preset,
                seed=seed,
                months=months,
                end=end_month,
                password=password,
                replace=replace,
                log=self.stdout.write,
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"{written.units} enheter, {written.users} användare, {written.cases} ärenden, "
                f"{written.events} händelser, {written.targets} individuella mål, "
                f"{written.named} namngivna klienter, {written.decisions} gruppbeslut "
                f"({time.monotonic() - started:.1f} s)"
            )
        )
