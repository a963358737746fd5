"""`python manage.py import_units FILE`: the units CSV of DESIGN.md, all or nothing."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from goals.importing import import_units
from trelleborg.csvread import CsvInvalid


class Command(BaseCommand):
    help = "Importera enheter från en CSV-fil med kolumnerna code,name,parent (allt eller inget)."

    def add_arguments(self, parser):
        parser.add_argument(
            "file", help="CSV file: UTF-8, delimiter , or ;, header code,name,parent"
        )

    def handle(self, *args, file: str, **options):
        try:
            with open(file, "rb") as stream:
                result = import_units(stream)
        except OSError as exc:
            raise CommandError(f"Kan inte läsa {file}: {exc.strerror}") from exc
        except CsvInvalid as exc:
            for error in exc.errors:
                self.stderr.write(f"{file}: {error}")
            raise CommandError(f"{len(exc.errors)} fel i {file}; ingenting importerades.") from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"{result.created} enheter skapade, {result.updated} uppdaterade, "
                f"{result.unchanged} oförändrade"
                + (f", {result.paths_changed} flyttade i trädet" if result.paths_changed else "")
                + "."
            )
        )
