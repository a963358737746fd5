"""Pseudonymous clients, their cases and the case events every figure rests on."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.conf import settings
from django.db import models
from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from goals.access import client_units
from goals.models import Unit
from trelleborg.months import month_end
from trelleborg.validation import (
    validate_identifier_characters,
    validate_text_no_personal_number,
)
from trelleborg.vocabulary import (
    COUNTING_EXIT_REASONS,
    DecisionMode,
    EventType,
    ExitReason,
    Program,
    Source,
)

from .validators import validate_not_personal_number


class ClientQuerySet(models.QuerySet["Client"]):
    def in_organisation(self, organisation: Unit) -> ClientQuerySet:
        return self.filter(organisation=organisation)


class Client(models.Model):
    """A client known only by a pseudonymous reference, unique within an organisation."""

    organisation = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    ref = models.CharField(
        _("klientreferens"),
        max_length=64,
        validators=[validate_not_personal_number, validate_identifier_characters],
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = ClientQuerySet.as_manager()

    class Meta:
        verbose_name = _("klient")
        verbose_name_plural = _("klienter")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "ref"], name="cases_client_unique_ref"),
            models.CheckConstraint(condition=~Q(ref=""), name="cases_client_ref_not_empty"),
        ]

    def __str__(self) -> str:
        return self.ref


class CaseQuerySet(models.QuerySet["Case"]):
    def for_units(self, units: Iterable[Unit] | models.QuerySet[Unit]) -> CaseQuerySet:
        return self.filter(unit__in=units)

    def for_user(self, user) -> CaseQuerySet:
        """Cases whose client-level data the user may see (goals.access.client_units)."""
        return self.filter(unit__in=client_units(user))

    def assigned_to(self, user) -> CaseQuerySet:
        return self.filter(caseworker=user)

    def search(self, text: str) -> CaseQuerySet:
        """Cases whose client reference or case number contains `text`."""
        text = (text or "").strip()
        if not text:
            return self
        return self.filter(Q(client__ref__icontains=text) | Q(case_number__icontains=text))

    def with_latest_event(self) -> CaseQuerySet:
        """Annotate latest_event_type/_on/_reason: one correlated subquery per column
        instead of a query per row (the list page's N+1 trap)."""
        latest = CaseEvent.objects.filter(case=OuterRef("pk")).order_by("-occurred_on", "-id")
        return self.annotate(
            latest_event_type=Subquery(latest.values("event_type")[:1]),
            latest_event_on=Subquery(latest.values("occurred_on")[:1]),
            latest_event_reason=Subquery(latest.values("reason")[:1]),
        )

    def open(self) -> CaseQuerySet:
        """Cases whose latest event is not an exit (after `with_latest_event()`)."""
        return self.filter(Q(latest_event_type__isnull=True) | ~Q(latest_event_type=EventType.EXIT))

    def closed(self) -> CaseQuerySet:
        """Cases whose latest event is an exit (after `with_latest_event()`)."""
        return self.filter(latest_event_type=EventType.EXIT)

    def by_latest_activity(self) -> CaseQuerySet:
        """Latest event first; cases without events (just registered) by registration."""
        return self.order_by(
            models.F("latest_event_on").desc(nulls_last=True), "-created_at", "-pk"
        )


class Case(models.Model):
    """A case of the source system (its case number), with its current unit and caseworker."""

    organisation = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    case_number = models.CharField(
        _("ärendenummer"),
        max_length=64,
        # A source system's number: refused with a checksum-valid personal number in it,
        # like every id the import takes (the register form is stricter: typed by hand).
        validators=[validate_text_no_personal_number, validate_identifier_characters],
    )
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

    objects = CaseQuerySet.as_manager()

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
            # What the events' (case, organisation) foreign key references (CaseEvent).
            models.UniqueConstraint(fields=["id", "organisation"], name="cases_case_id_org"),
        ]

    def __str__(self) -> str:
        return self.case_number

    @property
    def latest_event_label(self) -> str:
        """Label of the `with_latest_event()` annotation."""
        value = getattr(self, "latest_event_type", None)
        return EventType(value).label if value else ""

    @property
    def latest_event_reason_label(self) -> str:
        value = getattr(self, "latest_event_reason", None)
        return ExitReason(value).label if value else ""


class CaseEventQuerySet(models.QuerySet["CaseEvent"]):
    def for_units(self, units: Iterable[Unit] | models.QuerySet[Unit]) -> CaseEventQuerySet:
        """Events attributed to one of `units` (the unit named on the event)."""
        return self.filter(unit__in=units)

    def for_user(self, user) -> CaseEventQuerySet:
        return self.filter(case__unit__in=client_units(user))

    def for_case(self, case: Case) -> CaseEventQuerySet:
        return self.filter(case=case)

    def of_type(self, event_type: str) -> CaseEventQuerySet:
        return self.filter(event_type=event_type)

    def exits(self) -> CaseEventQuerySet:
        return self.filter(event_type=EventType.EXIT)

    def counting_exits(self) -> CaseEventQuerySet:
        """Exits whose reason counts toward the EOR (work, studies)."""
        return self.exits().filter(reason__in=COUNTING_EXIT_REASONS)

    def in_month(self, month: dt.date) -> CaseEventQuerySet:
        """Events dated in the month of `month` (occurred_on is already a local date)."""
        first = month.replace(day=1)
        return self.filter(occurred_on__gte=first, occurred_on__lte=month_end(first))

    def between(self, first: dt.date, last: dt.date) -> CaseEventQuerySet:
        return self.filter(occurred_on__gte=first, occurred_on__lte=last)

    def timeline(self) -> CaseEventQuerySet:
        """Newest first, with the recorder and each event's history loaded up front."""
        return (
            self.select_related(
                "unit", "recorded_by", "created_by_import__user", "changed_by_import__user"
            )
            .prefetch_related("history__changed_by")
            .order_by("-occurred_on", "-id")
        )


class ImportKind(models.TextChoices):
    """How an import came in (EventImport.kind)."""

    PAGE = "page", _("uppladdning på sidan")
    COMMAND = "command", _("kommando")
    API = "api", _("API-token")
    DEMO = "demo", _("demodata")


class EventImportQuerySet(models.QuerySet["EventImport"]):
    def touching(self, units: Iterable[Unit]) -> EventImportQuerySet:
        """Imports that wrote (new or changed rows) in any of `units`."""
        return self.filter(units__in=units).distinct()


class EventImport(models.Model):
    """One written case-event import (cases.importing): who, when, through what, and what it
    did. The change log shows one entry per import instead of one per created event; every
    event points at the import that created it and the one that last changed it.

    Written in the import's own transaction, so a refused import (any error: nothing is
    written, all or nothing) and a dry run leave no record: the uploader sees the errors,
    and a record of an import that changed nothing would only be noise in the list.
    """

    created_at = models.DateTimeField(_("tidpunkt"), default=timezone.now)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("användare"),
    )
    kind = models.CharField(_("väg"), max_length=10, choices=ImportKind.choices)
    file_name = models.CharField(_("filnamn"), max_length=255, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    # The integrations app's ApiToken id (cases does not import integrations).
    api_token_id = models.PositiveIntegerField(_("API-token"), null=True, blank=True)
    rows = models.PositiveIntegerField(_("rader"), default=0)
    new = models.PositiveIntegerField(_("nya"), default=0)
    changed = models.PositiveIntegerField(_("ändrade"), default=0)
    unchanged = models.PositiveIntegerField(_("oförändrade"), default=0)
    skipped = models.PositiveIntegerField(_("överhoppade"), default=0)
    # The units of its new and changed rows, old units of moved events included: what the
    # list page is scoped by (a manager sees the imports that touched their units).
    units = models.ManyToManyField(Unit, related_name="+", blank=True)

    objects = EventImportQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("import")
        verbose_name_plural = _("importer")

    def __str__(self) -> str:
        return _("Import #%(number)d") % {"number": self.pk or 0}

    @property
    def by(self) -> str:
        if self.user is None:
            return str(self.get_kind_display())
        return self.user.get_full_name() or self.user.get_username()

    @property
    def source_text(self) -> str:
        """The file and its hash, or the API token: what the change log line ends with."""
        if self.kind == ImportKind.API and self.api_token_id:
            return _("API-token #%(id)d") % {"id": self.api_token_id}
        parts = [self.file_name] if self.file_name else []
        if self.sha256:
            parts.append(f"sha256 {self.sha256[:12]}…")
        return ", ".join(parts)


class CaseEvent(models.Model):
    """A dated event on a case. An exit is an event with a reason.

    `unit` is the unit named on the event: figures are attributed to it (DESIGN.md), so a
    case that moved keeps its earlier events where they happened.
    """

    # The FK indexes Django adds by default are left out where a composite index or the
    # unique constraint already starts with the column: every index costs a million-row
    # import time, and these four bought nothing.
    # `organisation` repeats the case's (it scopes the unique event_id). On PostgreSQL one
    # composite foreign key, (case_id, organisation_id) → cases_case (id, organisation_id),
    # added by migration 0003, stands for both single-column ones: every event's case
    # exists and has the event's organisation, which exists by the case's own foreign key.
    # One check per inserted event instead of two (a million-row import spends about 4 µs
    # on each). Django's own on_delete=PROTECT still applies to both.
    organisation = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="+", db_index=False, db_constraint=False
    )
    event_id = models.CharField(
        _("händelse-id"),
        max_length=64,
        validators=[validate_text_no_personal_number, validate_identifier_characters],
    )
    case = models.ForeignKey(
        Case, on_delete=models.PROTECT, related_name="events", db_index=False, db_constraint=False
    )
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="events", db_index=False)
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
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,  # only read when a user is deleted (rare)
    )
    recorded_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    # The import that created the event and the one that last changed it (null: written
    # another way). Not indexed: read from the event, never looked up by import (an index
    # would cost every imported row its upkeep). No database constraint either: its
    # deferred check cost a 200 000-row import 0.5–2 s of 7–13 (bench.import_throughput,
    # issue 16), and the id is always that of the record the same transaction wrote just
    # before; imports are never deleted (PROTECT still guards a delete through Django).
    created_by_import = models.ForeignKey(
        EventImport,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
        verbose_name=_("skapad av import"),
    )
    changed_by_import = models.ForeignKey(
        EventImport,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
        verbose_name=_("senast ändrad av import"),
    )

    objects = CaseEventQuerySet.as_manager()

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

    def get_additional_data(self) -> dict | None:
        """What the change log keeps beside the values (django-auditlog asks): the reason
        a correction or withdrawal was given, set by `services.exit_amend` for its write."""
        note = getattr(self, "_change_note", "")
        return {"motivering": note} if note else None


class CaseEventHistory(models.Model):
    """The previous values of an event that a later write changed."""

    event = models.ForeignKey(CaseEvent, on_delete=models.CASCADE, related_name="history")
    changed_at = models.DateTimeField(default=timezone.now)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    source = models.CharField(max_length=10, choices=Source.choices)
    previous = models.JSONField()
    # Why the change was made, when someone had to say (a correction from the case page).
    # A database default: the import writes history rows in SQL and names no note.
    note = models.TextField(
        _("motivering"),
        blank=True,
        db_default="",
        validators=[validate_text_no_personal_number],
    )

    class Meta:
        ordering = ["-changed_at", "-id"]
        verbose_name = _("händelsehistorik")
        verbose_name_plural = _("händelsehistorik")

    def __str__(self) -> str:
        return f"{self.event} @ {self.changed_at:%Y-%m-%d %H:%M}"

    LABELS = {
        "case": _("ärende"),
        "unit": _("enhet"),
        "event_type": _("händelsetyp"),
        "occurred_on": _("datum"),
        "reason": _("orsak"),
        "program": _("program"),
        "decision_mode": _("beslutssätt"),
    }
    CHOICES = {
        "event_type": EventType,
        "reason": ExitReason,
        "program": Program,
        "decision_mode": DecisionMode,
    }

    def previous_items(self) -> list[tuple[str, str]]:
        """The previous values with Swedish labels, for the timeline."""
        items = []
        for key, label in self.LABELS.items():
            if key not in self.previous:
                continue
            value = self.previous[key] or ""
            choices = self.CHOICES.get(key)
            if choices is not None and value in choices.values:
                value = choices(value).label
            items.append((str(label), str(value)))
        return items


class WithdrawnEventQuerySet(models.QuerySet["WithdrawnEvent"]):
    def for_case(self, case: Case) -> WithdrawnEventQuerySet:
        return self.filter(case=case)


class WithdrawnEvent(models.Model):
    """An event withdrawn as logged by mistake: the event row is gone (so every figure
    drops it at once, with no filter to forget), and this row keeps what it was, who
    withdrew it, why, and its history. Its (organisation, event_id) makes a re-import of
    the same source row skip it instead of bringing it back (cases.importing)."""

    organisation = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    event_id = models.CharField(_("händelse-id"), max_length=64)
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="withdrawn_events")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    event_type = models.CharField(_("händelsetyp"), max_length=32, choices=EventType.choices)
    occurred_on = models.DateField(_("datum"))
    reason = models.CharField(_("orsak"), max_length=20, choices=ExitReason.choices, blank=True)
    note = models.TextField(_("motivering"), validators=[validate_text_no_personal_number])
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("återkallad av"),
    )
    withdrawn_at = models.DateTimeField(_("återkallad"), default=timezone.now)
    source = models.CharField(_("källa"), max_length=10, choices=Source.choices)
    previous = models.JSONField(_("tidigare värden"))  # the event and its history

    objects = WithdrawnEventQuerySet.as_manager()

    class Meta:
        ordering = ["-withdrawn_at", "-id"]
        verbose_name = _("återkallad händelse")
        verbose_name_plural = _("återkallade händelser")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "event_id"], name="cases_withdrawn_unique_event_id"
            ),
            models.CheckConstraint(condition=~Q(note=""), name="cases_withdrawn_note_given"),
        ]

    def __str__(self) -> str:
        return f"{self.get_event_type_display()} {self.occurred_on} ({self.event_id})"


class PendingImport(models.Model):
    """An uploaded event file between its preview and its confirm step.

    Kept in the database rather than on one web machine's disk, so the confirm may reach any
    web process on any machine. Bound to the user who uploaded it, used once, and swept
    after a day (`cases.pending`).
    """

    token = models.UUIDField(unique=True, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    filename = models.CharField(max_length=200)
    size = models.PositiveBigIntegerField()
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("väntande import")
        verbose_name_plural = _("väntande importer")

    def __str__(self) -> str:
        return self.filename


class PendingImportChunk(models.Model):
    """One piece of a pending import's file, in order (`seq`)."""

    pending = models.ForeignKey(PendingImport, on_delete=models.CASCADE, related_name="chunks")
    seq = models.PositiveIntegerField()
    data = models.BinaryField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["pending", "seq"], name="cases_pending_chunk_seq"),
        ]

    def __str__(self) -> str:
        return f"{self.pending_id}:{self.seq}"


class FormSubmission(models.Model):
    """The idempotency key of a create-form that was stored (a hidden field, new each time
    the blank form is rendered): a second post of the same form, a double click or twenty
    concurrent retries, finds its key here and gets the first post's answer instead of a
    second row. The key is the primary key, so concurrent posts serialise on the insert."""

    key = models.UUIDField(primary_key=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    redirect_to = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("skickat formulär")
        verbose_name_plural = _("skickade formulär")

    def __str__(self) -> str:
        return str(self.key)
