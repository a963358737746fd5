"""`python manage.py import_events FILE [--dry-run]`: the case-event CSV of DESIGN.md.

An administrator's tool: every unit may be named. With `--user NAME` the file is imported
as that person, with their scope (cases.rules.Scope: a manager's units; nothing for a
caseworker) and as the change log's actor, exactly as on the import page. All or nothing;
every error is printed with its line and column and the command exits non-zero.
"""

from __future__ import annotations

import os
import time

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from cases.access import import_units
from cases.importing import import_file
from cases.models import ImportKind
from trelleborg.vocabulary import Source


class Command(BaseCommand):
    help = "Importera ärendehändelser från en CSV-fil (allt eller inget)."

    def add_arguments(self, parser):
        parser.add_argument("file", help="CSV file: UTF-8, delimiter , or ;, header row first")
        parser.add_argument(
            "--dry-run", action="store_true", help="validate and report, write nothing"
        )
        parser.add_argument(
            "--user", help="import as this user, within the units they may import for"
        )

    def handle(self, *args, file: str, dry_run: bool, user: str | None = None, **options):
        started = time.monotonic()
        scope: dict = {}
        if user:
            try:
                person = get_user_model().objects.get(username=user, is_active=True)
            except get_user_model().DoesNotExist:
                raise CommandError(f"Ingen aktiv användare {user!r}.") from None
            units = import_units(person)
            if not units.exists():
                raise CommandError(f"{user} får inte importera händelser.")
            scope = {"user": person, "allowed_units": units}
        try:
            with open(file, "rb") as stream:
                result = import_file(
                    stream,
                    source=Source.IMPORT,
                    dry_run=dry_run,
                    kind=ImportKind.COMMAND,
                    file_name=os.path.basename(file),
                    **scope,
                )
        except OSError as exc:
            raise CommandError(f"Kan inte läsa {file}: {exc.strerror}") from exc
        if result.errors:
            for error in result.errors:
                self.stderr.write(f"{file}: {error}")
            raise CommandError(f"{len(result.errors)} fel i {file}; ingenting importerades.")
        seconds = time.monotonic() - started
        summary = (
            f"{result.rows} rader: {result.new} nya, {result.changed} ändrade, "
            f"{result.unchanged} oförändrade"
        )
        if result.skipped:
            summary += f", {result.skipped} överhoppade (återkallade i EOR)"
            for line, event_id in result.skipped_rows:
                self.stderr.write(
                    f"{file}: rad {line}: event_id {event_id!r} är återkallat i EOR och "
                    "importeras inte igen."
                )
        if dry_run:
            self.stdout.write(f"Provkörning, ingenting skrevs. {summary}.")
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Import #{result.import_id}: {summary}. {result.clients_created} nya "
                    f"klienter, {result.cases_created} nya ärenden. ({seconds:.1f} s)"
                )
            )
