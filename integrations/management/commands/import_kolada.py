"""Import Kolada key figures for the organisation's municipality and its comparison group.

    python manage.py import_kolada --kpi N31807,N31814,U31402 --years 2017-2024
    python manage.py import_kolada --kpi U31402 --years 2017-2024 --from-file response.json

Online it asks Kolada's API v3 and follows every next page; with --from-file it reads a saved
response (one page, or a JSON list of pages). Nothing is written unless the whole answer is
valid; re-running changes nothing that did not change at Kolada.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from goals.models import Unit
from integrations.kolada import KoladaClient, KoladaError, load_saved_response, parse_years
from integrations.kolada import validate_kpi as parse_kpi
from integrations.services import comparison_municipalities, kolada_values_import


class Command(BaseCommand):
    help = "Importerar nyckeltal från Kolada (API v3) för kommunen och dess jämförelsegrupp."

    # Tests replace this with a recorded transport; None means the real HTTP one.
    transport = None

    def add_arguments(self, parser):
        parser.add_argument(
            "--kpi", required=True, help="Nyckeltal, kommaseparerade (t.ex. N31807,U31402)"
        )
        parser.add_argument("--years", required=True, help="År: 2017-2024 eller 2017,2018")
        parser.add_argument("--from-file", help="Sparat Kolada-svar (JSON) i stället för nätet")
        parser.add_argument(
            "--organisation", help="Organisationens kod (rotenhet); behövs när det finns flera"
        )

    def handle(self, *args, **options):
        try:
            kpis = sorted({parse_kpi(k) for k in options["kpi"].split(",") if k.strip()})
            if not kpis:
                raise KoladaError("Inga nyckeltal angivna (--kpi).")
            years = parse_years(options["years"])
            organisation = self._organisation(options["organisation"])
            places = comparison_municipalities(organisation)
            codes = [code for code, _name in places]
            if options["from_file"]:
                values = load_saved_response(self._read(options["from_file"]))
            else:
                client = KoladaClient(self.transport)
                values = client.fetch(kpis=kpis, municipalities=codes, years=years)
            result = kolada_values_import(
                values=values, kpis=kpis, years=years, municipalities=codes
            )
        except KoladaError as exc:
            raise CommandError(f"Inget importerades. {exc}") from None
        self.stdout.write(
            f"Kolada: {result.created} nya, {result.updated} ändrade, "
            f"{result.unchanged} oförändrade värden för {', '.join(kpis)} "
            f"({years[0]}–{years[-1]}; {', '.join(codes)})."
        )
        if result.ignored:
            self.stdout.write(
                f"{result.ignored} värden i svaret gällde andra nyckeltal, år eller kommuner "
                "och lästes inte in."
            )

    @staticmethod
    def _organisation(code: str | None) -> Unit:
        roots = Unit.objects.roots()
        if code:
            try:
                return roots.get(code=code)
            except Unit.DoesNotExist:
                raise KoladaError(f"Ingen organisation (rotenhet) med koden {code!r}.") from None
        found = list(roots[:2])
        if len(found) != 1:
            raise KoladaError(
                "Ange organisationen med --organisation KOD."
                if found
                else "Det finns ingen organisation ännu: läs in enheterna först."
            )
        return found[0]

    @staticmethod
    def _read(path: str) -> str:
        try:
            return Path(path).read_text(encoding="utf-8-sig")
        except FileNotFoundError:
            raise KoladaError(f"Filen {path} finns inte.") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise KoladaError(f"Kunde inte läsa {path}: {exc}") from None
