"""The fixed vocabularies of DESIGN.md, shared by every app.

A leaf module: it imports no app, so `goals` (indicators name event types) and `cases`
(events carry them) can both use it without depending on each other.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class EventType(models.TextChoices):
    APPLICATION_RECEIVED = "application_received", _("Ansökan inkommen")
    DECISION = "decision", _("Beslut")
    FIRST_MEETING = "first_meeting", _("Första möte")
    PLAN_ESTABLISHED = "plan_established", _("Planering upprättad")
    REFERRAL = "referral", _("Remiss")
    INTERVENTION_START = "intervention_start", _("Insats startad")
    ARRIVAL = "arrival", _("Ankomst")
    HOUSING_CONTRACT = "housing_contract", _("Eget bostadskontrakt")
    RECRUITMENT_ORDER = "recruitment_order", _("Rekryteringsuppdrag")
    CANDIDATE_MATCHED = "candidate_matched", _("Kandidat matchad")
    EXIT = "exit", _("Avslut")


class ExitReason(models.TextChoices):
    WORK = "work", _("Arbete")
    STUDIES = "studies", _("Studier")
    OTHER_BENEFIT = "other_benefit", _("Annan ersättning")
    MOVED = "moved", _("Flyttat")
    OTHER = "other", _("Annat")


# Exits for these reasons count toward the EOR (DESIGN.md, eor_report "exits_total").
COUNTING_EXIT_REASONS: tuple[str, ...] = (ExitReason.WORK, ExitReason.STUDIES)


class Program(models.TextChoices):
    FORSORJNINGSSTOD = "forsorjningsstod", _("Försörjningsstöd")
    ETABLERING = "etablering", _("Etablering")
    BOSATTNING = "bosattning", _("Bosättning")
    ENSAMKOMMANDE = "ensamkommande", _("Ensamkommande")
    REKRYTERING = "rekrytering", _("Rekrytering")


class DecisionMode(models.TextChoices):
    MANUAL = "manual", _("Manuellt")
    AUTOMATED = "automated", _("Automatiserat")
    ASSISTED = "assisted", _("Assisterat")


class Role(models.TextChoices):
    CASEWORKER = "caseworker", _("Handläggare")
    MANAGER = "manager", _("Enhetschef")
    LEADERSHIP = "leadership", _("Ledning")


class Source(models.TextChoices):
    """Where a write came from (recorded on every case event)."""

    PAGE = "page", _("Sida")
    IMPORT = "import", _("Import")
    API = "api", _("API")
    ADMIN = "admin", _("Administration")
    DEMO = "demo", _("Demodata")
