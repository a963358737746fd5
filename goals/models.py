"""The organisation (units, memberships) and the goals of the monthly EOR cycle."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from trelleborg.vocabulary import EventType, Program, Role

# --- Organisation ---------------------------------------------------------------------------


class UnitQuerySet(models.QuerySet["Unit"]):
    def roots(self) -> UnitQuerySet:
        return self.filter(parent__isnull=True)

    def subtree_of(self, units: Iterable[Unit]) -> UnitQuerySet:
        """The given units and every unit below them (any depth)."""
        paths = {unit.path for unit in units}
        if not paths:
            return self.none()
        condition = Q()
        for path in paths:
            condition |= Q(path__startswith=path)
        return self.filter(condition)


class Unit(models.Model):
    """A unit of the organisation tree. A root is an organisation (a municipality's
    administration); one installation can hold several roots."""

    code = models.SlugField(_("kod"), max_length=64, unique=True)
    name = models.CharField(_("namn"), max_length=200)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("överordnad enhet"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    # "/root/child/grandchild/": codes from the root down, so a subtree is one indexed
    # prefix query instead of a recursive walk. Kept right by goals.services.unit_save.
    path = models.CharField(max_length=2000, db_index=True, editable=False)
    # Kolada's municipality id (e.g. "1287" for Trelleborg), set on roots.
    municipality_code = models.CharField(_("kommunkod"), max_length=4, blank=True)

    objects = UnitQuerySet.as_manager()

    class Meta:
        ordering = ["path"]
        verbose_name = _("enhet")
        verbose_name_plural = _("enheter")
        constraints = [
            models.CheckConstraint(
                condition=~Q(parent=models.F("pk")), name="goals_unit_not_own_parent"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def depth(self) -> int:
        return self.path.count("/") - 2

    @property
    def root_code(self) -> str:
        return self.path.strip("/").split("/")[0]

    def root(self) -> Unit:
        if self.parent_id is None:
            return self
        return Unit.objects.get(code=self.root_code)

    def ancestor_codes(self) -> list[str]:
        """Codes from the root down to this unit's parent."""
        return self.path.strip("/").split("/")[:-1]

    def ancestors(self) -> UnitQuerySet:
        return Unit.objects.filter(code__in=self.ancestor_codes())

    def subtree(self) -> UnitQuerySet:
        return Unit.objects.filter(path__startswith=self.path)

    def expected_path(self) -> str:
        prefix = self.parent.path if self.parent_id else "/"
        return f"{prefix}{self.code}/"


class Membership(models.Model):
    """A user's role in one unit. The role reaches the unit and every unit below it."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("roll"), max_length=20, choices=Role.choices)

    class Meta:
        verbose_name = _("medlemskap")
        verbose_name_plural = _("medlemskap")
        constraints = [
            models.UniqueConstraint(fields=["user", "unit"], name="goals_membership_one_role"),
            models.CheckConstraint(
                condition=Q(role__in=Role.values), name="goals_membership_role_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.unit} ({self.get_role_display()})"


# --- Indicators and goals -------------------------------------------------------------------

# The names the built-in indicators are seeded with (goals 0002, integrations 0004), by code:
# marked for the catalogue, translated when shown. They must stay identical to the seeded
# names: an indicator whose stored name differs was renamed by an administrator, and then
# the stored name is what people chose to see (tests/goals/test_indicator_names.py).
BUILT_IN_NAMES: dict[str, str] = {
    "avslut": gettext_noop("Avslut till arbete eller studier"),
    "avslut_etablering": gettext_noop("Avslut till arbete eller studier inom etablering"),
    "utredningstid": gettext_noop("Utredningstid (ansökan → beslut)"),
    "ledtid_insats": gettext_noop("Tid till insats (remiss → insats)"),
    "ledtid_kontrakt": gettext_noop("Tid till eget kontrakt (ankomst → kontrakt)"),
    "ledtid_rekrytering": gettext_noop("Rekryteringstid (uppdrag → matchning)"),
    "franvaro_skola": gettext_noop("Skolfrånvaro ensamkommande"),
    "aterkomst": gettext_noop("Självförsörjning efter avslut (ingen ny ansökan inom 12 månader)"),
}


class Indicator(models.Model):
    class Kind(models.TextChoices):
        EXITS = "exits", _("Avslut")
        LEAD_TIME = "lead_time", _("Ledtid")
        MANUAL = "manual", _("Manuellt värde")
        RETURN_RATE = "return_rate", _("Återgång")

    class Direction(models.TextChoices):
        HIGHER_IS_BETTER = "higher", _("Högre är bättre")
        LOWER_IS_BETTER = "lower", _("Lägre är bättre")

    code = models.SlugField(_("kod"), max_length=64, unique=True)
    name = models.CharField(_("namn"), max_length=200)
    kind = models.CharField(_("typ"), max_length=20, choices=Kind.choices)
    # lead_time: the pair of event types
    start_event_type = models.CharField(max_length=32, choices=EventType.choices, blank=True)
    end_event_type = models.CharField(max_length=32, choices=EventType.choices, blank=True)
    # exits: the reasons counted (list of ExitReason values) and an optional program
    reasons = models.JSONField(default=list, blank=True)
    program = models.CharField(max_length=32, choices=Program.choices, blank=True)
    # manual: what the value is measured in ("%", "dagar") and which way is better
    unit_label = models.CharField(_("enhet för värdet"), max_length=20, blank=True)
    direction = models.CharField(max_length=10, choices=Direction.choices)
    built_in = models.BooleanField(default=False, editable=False)
    active = models.BooleanField(default=True)
    sort_order = models.PositiveIntegerField(default=100)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("indikator")
        verbose_name_plural = _("indikatorer")
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="lead_time") | (~Q(start_event_type="") & ~Q(end_event_type="")),
                name="goals_indicator_lead_time_has_events",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        """The name to show: a built-in's seeded name in the reader's language; any other
        name (an administrator's own indicator, or a renamed built-in) as stored."""
        seeded = BUILT_IN_NAMES.get(self.code) if self.built_in else None
        if seeded is not None and self.name == seeded:
            return gettext(seeded)
        return self.name


class YearGoal(models.Model):
    """A unit's goal for one indicator and year: an absolute target, or a factor of a
    baseline year's value (target = baseline value × factor)."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="year_goals")
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="year_goals")
    year = models.PositiveSmallIntegerField(_("år"))
    target = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    baseline_year = models.PositiveSmallIntegerField(null=True, blank=True)
    factor = models.DecimalField(max_digits=6, decimal_places=3, null=True, blank=True)
    # A relative goal whose baseline year has no data in EOR: the baseline value entered by
    # hand, with where it comes from (figures from an earlier case system). Null: computed.
    baseline_value = models.DecimalField(
        _("basvärde"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    baseline_source = models.CharField(_("källa för basvärdet"), max_length=200, blank=True)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("årsmål")
        verbose_name_plural = _("årsmål")
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "indicator", "year"], name="goals_yeargoal_unique"
            ),
            models.CheckConstraint(
                condition=(
                    Q(target__isnull=False, baseline_year__isnull=True, factor__isnull=True)
                    | Q(target__isnull=True, baseline_year__isnull=False, factor__gt=0)
                ),
                name="goals_yeargoal_absolute_or_relative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit} {self.indicator} {self.year}"

    @property
    def factor_text(self) -> str:
        """The factor as people write it in Swedish: "0,5", "2" (not "0,500", "2,000")."""
        if self.factor is None:
            return ""
        return format(self.factor.normalize(), "f").replace(".", ",")


class IndividualTargetQuerySet(models.QuerySet["IndividualTarget"]):
    def for_unit_month(self, unit: Unit, month) -> IndividualTargetQuerySet:
        return self.filter(unit=unit, month=month)

    def of_caseworker(self, user) -> IndividualTargetQuerySet:
        return self.filter(caseworker=user)

    def with_clients(self) -> IndividualTargetQuerySet:
        return self.select_related("caseworker").prefetch_related("named_clients")


class IndividualTarget(models.Model):
    """A caseworker's plan for one month in one unit: their target and named clients."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="individual_targets")
    caseworker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="individual_targets"
    )
    month = models.DateField(_("månad"))  # first day of the month
    target = models.PositiveIntegerField(_("individuellt mål"))
    updated_at = models.DateTimeField(default=timezone.now)

    objects = IndividualTargetQuerySet.as_manager()

    class Meta:
        verbose_name = _("individuellt mål")
        verbose_name_plural = _("individuella mål")
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "caseworker", "month"], name="goals_target_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.caseworker} {self.month:%Y-%m}: {self.target}"


class NamedClient(models.Model):
    """A client the caseworker expects to exit in the month, with the planned action.

    The client is held by its pseudonymous reference: `goals` does not import `cases`.
    """

    target = models.ForeignKey(
        IndividualTarget, on_delete=models.CASCADE, related_name="named_clients"
    )
    client_ref = models.CharField(_("klientreferens"), max_length=64)
    planned_action = models.TextField(_("planerad åtgärd"))
    carried_over = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["client_ref"]
        verbose_name = _("namngiven klient")
        verbose_name_plural = _("namngivna klienter")
        constraints = [
            models.UniqueConstraint(
                fields=["target", "client_ref"], name="goals_namedclient_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.client_ref


class PlannedCase(models.Model):
    """An open case the caseworker will bring to its end event in the month, for a lead-time
    EOR (DESIGN.md "The monthly cycle", point 2): the open start of the indicator on the case,
    with the planned action. The case is held by its number (`goals` does not import `cases`);
    `started_on` names which start, so the follow-up can tell whether it reached its end."""

    target = models.ForeignKey(
        IndividualTarget, on_delete=models.CASCADE, related_name="planned_cases"
    )
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="+")
    case_ref = models.CharField(_("ärende"), max_length=64)
    started_on = models.DateField(_("startdatum"))
    planned_action = models.TextField(_("planerad åtgärd"))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["started_on", "case_ref"]
        verbose_name = _("planerat ärende")
        verbose_name_plural = _("planerade ärenden")
        constraints = [
            models.UniqueConstraint(
                fields=["target", "indicator", "case_ref"], name="goals_plannedcase_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.case_ref


EOR_INDICATOR_KINDS = ("exits", "lead_time", "manual")
# The indicator every group EOR was on before EORs named one (goals 0005): the default, so a
# decision recorded without an indicator stays what it always meant, a count of exits.
DEFAULT_EOR_INDICATOR = "avslut"


def default_eor_indicator() -> int | None:
    return Indicator.objects.filter(code=DEFAULT_EOR_INDICATOR).values_list("pk", flat=True).first()


class GroupDecisionQuerySet(models.QuerySet["GroupDecision"]):
    def for_unit_month(self, unit: Unit, month) -> GroupDecisionQuerySet:
        return self.filter(unit=unit, month=month)

    def for_indicator(self, indicator: Indicator | str) -> GroupDecisionQuerySet:
        if isinstance(indicator, str):
            return self.filter(indicator__code=indicator)
        return self.filter(indicator=indicator)

    def latest_version(self) -> GroupDecision | None:
        """The version in force (the highest), or None when nothing is decided. Narrow to
        one indicator first: each EOR of a month has its own versions."""
        return self.order_by("-version").first()

    def in_force(self) -> list[GroupDecision]:
        """The version in force of every (unit, month, indicator) in the queryset, ordered by
        unit, month and the indicator's sort order. Versions are few: resolved in Python."""
        latest: dict[tuple, GroupDecision] = {}
        for decision in self.select_related("indicator").order_by("version"):
            latest[(decision.unit_id, decision.month, decision.indicator_id)] = decision
        return sorted(
            latest.values(),
            key=lambda d: (d.unit_id, d.month, d.indicator.sort_order, d.indicator.code),
        )


class GroupDecision(models.Model):
    """One version of a unit's group EOR on one indicator for a month. A unit may commit on
    several indicators in a month; each EOR has its own versions: a revision adds a version
    with a reason, the highest version is in force and the others are its history. The
    target is in the indicator's unit (exits, days, the manual value's unit) and the
    direction is the indicator's."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="decisions")
    month = models.DateField(_("månad"))
    indicator = models.ForeignKey(
        Indicator,
        verbose_name=_("indikator"),
        on_delete=models.PROTECT,
        related_name="decisions",
        default=default_eor_indicator,
    )
    version = models.PositiveIntegerField(default=1)
    target = models.DecimalField(_("EOR"), max_digits=12, decimal_places=2)
    rationale = models.TextField(_("motivering"))
    participants = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="+", verbose_name=_("deltagare")
    )
    # Guests who took part without an account (free text, e.g. "Anna, Arbetsförmedlingen").
    guests = models.CharField(_("övriga deltagare"), max_length=500, blank=True)
    revision_reason = models.TextField(_("skäl till ändring"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(default=timezone.now)

    objects = GroupDecisionQuerySet.as_manager()

    class Meta:
        ordering = ["unit", "month", "indicator", "-version"]
        verbose_name = _("gruppbeslut (EOR)")
        verbose_name_plural = _("gruppbeslut (EOR)")
        constraints = [
            # Two managers saving at once both try the same next version: one wins.
            models.UniqueConstraint(
                fields=["unit", "month", "indicator", "version"],
                name="goals_decision_unique_version",
            ),
            models.CheckConstraint(condition=~Q(rationale=""), name="goals_decision_has_rationale"),
            models.CheckConstraint(
                condition=Q(version=1) | ~Q(revision_reason=""),
                name="goals_decision_revision_has_reason",
            ),
            models.CheckConstraint(condition=Q(target__gte=0), name="goals_decision_target_gte_0"),
        ]

    def __str__(self) -> str:
        return f"{self.unit} {self.month:%Y-%m} {self.indicator_id} EOR {self.target} (v{self.version})"

    # The EOR as a count of exits, for the exit EOR's readers (and `GroupDecision(eor=5)`,
    # which Model.__init__ routes through the setter): a whole number where it is one.
    @property
    def eor(self):
        target = self.target
        if target is None:
            return None
        target = Decimal(target)
        return int(target) if target == target.to_integral_value() else target.normalize()

    @eor.setter
    def eor(self, value) -> None:
        self.target = None if value is None else Decimal(value)


class MonthFollowUp(models.Model):
    """The follow-up of a unit's month: the written evaluation, and whether it is closed."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="follow_ups")
    month = models.DateField(_("månad"))
    worked = models.TextField(_("vad fungerade"), blank=True)
    adjust = models.TextField(_("vad justerar vi"), blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # True once the month has at least one correction after closing (a MonthCorrection, or
    # a decision or evaluation corrected with a reason): kept by goals.services, never
    # set otherwise.
    restated = models.BooleanField(_("omräknad"), default=False)
    # The unit's indicator figures as they stood when the month was closed, as JSON (taken
    # by `reports`, which computes figures, on the `month_closed` signal); None before.
    snapshot = models.JSONField(null=True, blank=True, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("uppföljning")
        verbose_name_plural = _("uppföljningar")
        constraints = [
            models.UniqueConstraint(fields=["unit", "month"], name="goals_followup_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.unit} {self.month:%Y-%m}"

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None


class MonthCorrection(models.Model):
    """A change to case events dated in a closed month of `unit` (the unit named on the
    event, or a unit above it whose figures pool it), by any path: page, import, API or
    admin. Its existence is what makes the month restated ("omräknad")."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="month_corrections")
    month = models.DateField(_("månad"))
    # The unit named on the changed event (the same as `unit`, or one below it).
    event_unit = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    corrected_at = models.DateTimeField(_("när"), default=timezone.now)
    corrected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("av"),
    )
    # Where it came from: "Sida", "Import: fil.csv", "API-token #3", "Administration".
    source = models.CharField(_("källa"), max_length=200)
    reason = models.TextField(_("skäl"), blank=True)
    # What changed, without naming a client (leadership sees this list).
    description = models.CharField(_("ändring"), max_length=500)

    class Meta:
        ordering = ["-corrected_at", "-id"]
        verbose_name = _("rättelse av stängd månad")
        verbose_name_plural = _("rättelser av stängda månader")
        indexes = [models.Index(fields=["unit", "month"], name="goals_monthcorr_unit_month")]

    def __str__(self) -> str:
        return f"{self.unit} {self.month:%Y-%m}: {self.description}"


class ManualValue(models.Model):
    """A manually entered indicator value (e.g. school absence %) for a unit and month."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="manual_values")
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="+")
    month = models.DateField(_("månad"))
    value = models.DecimalField(_("värde"), max_digits=12, decimal_places=2)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    entered_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("manuellt värde")
        verbose_name_plural = _("manuella värden")
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "indicator", "month"], name="goals_manualvalue_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.indicator} {self.unit} {self.month:%Y-%m}: {self.value}"


class CycleChangeQuerySet(models.QuerySet["CycleChange"]):
    def for_month(self, unit: Unit, month) -> CycleChangeQuerySet:
        return self.filter(unit=unit, month=month)


class CycleChange(models.Model):
    """An audited change to a month's cycle after the point where changes stop being free:
    a plan edited after the group decision, or a correction to a closed month (with reason).
    `before`/`after` hold the changed values as JSON, so the history survives later edits."""

    class Kind(models.TextChoices):
        PLAN = "plan", _("Plan")
        DECISION = "decision", _("Gruppbeslut")
        EVALUATION = "evaluation", _("Utvärdering")
        CLOSE = "close", _("Stängning")

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="cycle_changes")
    month = models.DateField(_("månad"))
    kind = models.CharField(_("typ"), max_length=12, choices=Kind.choices)
    # The caseworker whose plan changed (kind=plan), else empty.
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField(default=timezone.now)
    reason = models.TextField(_("skäl"), blank=True)
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)

    objects = CycleChangeQuerySet.as_manager()

    class Meta:
        ordering = ["-changed_at", "-id"]
        verbose_name = _("ändring i månadscykeln")
        verbose_name_plural = _("ändringar i månadscykeln")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["plan", "decision", "evaluation", "close"]),
                name="goals_cyclechange_kind_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit} {self.month:%Y-%m} {self.kind}"


class ReminderSent(models.Model):
    """One reminder e-mail sent to a person for a month and kind. The unique constraint makes
    a second beat run (or two workers at once) a no-op instead of a second e-mail."""

    class Kind(models.TextChoices):
        PLAN = "plan", _("Plan saknas")
        DECISION = "decision", _("EOR saknas")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="eor_reminders"
    )
    month = models.DateField(_("månad"))
    kind = models.CharField(max_length=10, choices=Kind.choices)
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("skickad påminnelse")
        verbose_name_plural = _("skickade påminnelser")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "month", "kind"], name="goals_remindersent_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.month:%Y-%m} {self.kind}"
