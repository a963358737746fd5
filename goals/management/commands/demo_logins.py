"""`python manage.py demo_logins [--port N]`: the demo sign-ins, one per role."""

from __future__ import annotations

import os

from django.conf import settings
from django.core.management.base import BaseCommand
from django.urls import reverse

from goals.demo import DEMO_PASSWORD, featured_logins


class Command(BaseCommand):
    help = "Visa demoinloggningarna, en per roll."

    def add_arguments(self, parser):
        parser.add_argument("--port", default=os.environ.get("PORT", "8000"))
        parser.add_argument("--host", default="127.0.0.1")

    def handle(self, *args, port: str, host: str, **options):
        logins = featured_logins()
        if not logins:
            self.stdout.write("Inga demoanvändare: kör `python manage.py load_demo` först.")
            return
        url = f"http://{host}:{port}{reverse('login')}"
        width = max(len(role) for role, _u, _w in logins)
        rule = "=" * 64
        # Printed last by `make run`, under a rule, so the sign-ins are what one sees.
        self.stdout.write("")
        self.stdout.write(rule)
        self.stdout.write(self.style.SUCCESS(f"EOR-demo: logga in på {url}"))
        self.stdout.write("")
        for role, username, where in logins:
            self.stdout.write(f"  {role:<{width}}  {username:<12}  ({where})")
        self.stdout.write("")
        if settings.DEBUG:
            self.stdout.write(f"  Lösenord för alla: {DEMO_PASSWORD}  (bara med DEBUG=true)")
        else:
            self.stdout.write("  DEBUG är av: demolösenordet visas inte.")
        self.stdout.write(rule)
        self.stdout.write("")
