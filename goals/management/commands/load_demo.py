"""`python manage.py load_demo [--if-empty]`: the demo organisation and every app's demo data."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from goals.demo import DEMO_PASSWORD, DEMO_ROOT_CODE, demo_loaded, run_demo


class Command(BaseCommand):
    help = "Läs in demodata: organisationen och varje apps demodata (allt i en transaktion)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="do nothing when the demo organisation already exists (make run uses this)",
        )
        parser.add_argument(
            "--without-passwords",
            action="store_true",
            help="create the demo users with unusable passwords (allowed with DEBUG off)",
        )

    def handle(self, *args, if_empty: bool, without_passwords: bool, **options):
        if demo_loaded():
            if if_empty:
                self.stdout.write("Demodata finns redan; ingenting läses in.")
                return
            raise CommandError(
                f"Demodata finns redan (enheten {DEMO_ROOT_CODE!r}). Använd en tom databas "
                "eller --if-empty."
            )
        if not settings.DEBUG and not without_passwords:
            raise CommandError(
                "Demoanvändarnas lösenord finns bara när DEBUG är på: sätt DEBUG=true "
                "(eller använd --without-passwords)."
            )
        run_demo(
            password=None if without_passwords else DEMO_PASSWORD,
            log=self.stdout.write,
        )
        self.stdout.write(self.style.SUCCESS("Demodata inläst."))
