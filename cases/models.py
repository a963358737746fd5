"""Pseudonymous clients, their cases and the case events every figure rests on."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from goals.models import Unit
from trelleborg.vocabulary import DecisionMode, EventType, ExitReason, Program, Source

from .validators import validate_not_personal_number


class Client(models.Model):
    """A client known only by a pseudonymous reference, unique within an organisation."""

    organisation = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    ref = models.CharField(
        _("klientreferens"), max_length=64, validators=[validate_not_personal_number]
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("klient")
        verbose_name_plural = _("klienter")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "ref"], name="cases_client_unique_ref"),
            models.CheckConstraint(condition=~Q(ref=""), name="cases_client_ref_not_empty"),
        ]

    def __str__(self) -> str:
        return self.ref


class Case(models.Model):
    """A case of the source system (its case number), with its current unit and caseworker."""

    organisation = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    case_number = models.CharField(_("ärendenummer"), max_length=64)
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="cases")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="cases")
    caseworker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="cases",
        verbose_name=_("handläggare"),
    )
    program = models.CharField(
        _("program"), max_length=32, choices=Program.choices, default=Program.FORSORJNINGSSTOD
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("ärende")
        verbose_name_plural = _("ärenden")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "case_number"], name="cases_case_unique_number"
            ),
            models.CheckConstraint(
                condition=~Q(case_number=""), name="cases_case_number_not_empty"
            ),
        ]

    def __str__(self) -> str:
        return self.case_number


class CaseEvent(models.Model):
    """A dated event on a case. An exit is an event with a reason.

    `unit` is the unit named on the event: figures are attributed to it (DESIGN.md), so a
    case that moved keeps its earlier events where they happened.
    """

    organisation = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    event_id = models.CharField(_("händelse-id"), max_length=64)
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="events")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="events")
    event_type = models.CharField(_("händelsetyp"), max_length=32, choices=EventType.choices)
    occurred_on = models.DateField(_("datum"))
    reason = models.CharField(_("orsak"), max_length=20, choices=ExitReason.choices, blank=True)
    program = models.CharField(
        _("program"), max_length=32, choices=Program.choices, default=Program.FORSORJNINGSSTOD
    )
    decision_mode = models.CharField(
        _("beslutssätt"), max_length=12, choices=DecisionMode.choices, blank=True
    )
    source = models.CharField(_("källa"), max_length=10, choices=Source.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["occurred_on", "id"]
        verbose_name = _("händelse")
        verbose_name_plural = _("händelser")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "event_id"], name="cases_event_unique_event_id"
            ),
            models.CheckConstraint(
                condition=(Q(event_type="exit") & Q(reason__in=ExitReason.values))
                | (~Q(event_type="exit") & Q(reason="")),
                name="cases_event_reason_iff_exit",
            ),
            models.CheckConstraint(
                condition=(Q(event_type="decision") & Q(decision_mode__in=DecisionMode.values))
                | (~Q(event_type="decision") & Q(decision_mode="")),
                name="cases_event_mode_iff_decision",
            ),
            models.CheckConstraint(
                condition=Q(event_type__in=EventType.values), name="cases_event_type_valid"
            ),
            models.CheckConstraint(
                condition=Q(program__in=Program.values), name="cases_event_program_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["unit", "occurred_on"], name="cases_event_unit_date"),
            models.Index(
                fields=["case", "event_type", "occurred_on"], name="cases_event_case_type_date"
            ),
            models.Index(fields=["event_type", "occurred_on"], name="cases_event_type_date"),
        ]

    def __str__(self) -> str:
        return f"{self.get_event_type_display()} {self.occurred_on}"


class CaseEventHistory(models.Model):
    """The previous values of an event that a later write changed."""

    event = models.ForeignKey(CaseEvent, on_delete=models.CASCADE, related_name="history")
    changed_at = models.DateTimeField(default=timezone.now)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    source = models.CharField(max_length=10, choices=Source.choices)
    previous = models.JSONField()

    class Meta:
        ordering = ["-changed_at", "-id"]
        verbose_name = _("händelsehistorik")
        verbose_name_plural = _("händelsehistorik")

    def __str__(self) -> str:
        return f"{self.event} @ {self.changed_at:%Y-%m-%d %H:%M}"
