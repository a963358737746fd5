"""Benchmarks imported from Kolada, and the organisation's comparison group."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from goals.models import Indicator, Unit
from trelleborg.vocabulary import DecisionMode

municipality_code_validator = RegexValidator(
    r"^\d{4}$", _("Kommunkoden har fyra siffror, som i Kolada (Trelleborg: 1287).")
)


class KoladaValueQuerySet(models.QuerySet["KoladaValue"]):
    def for_comparison(
        self, *, kpis: Iterable[str], municipalities: Iterable[str], years: Iterable[int]
    ) -> KoladaValueQuerySet:
        """Totals (gender T) of the given key figures, places and years."""
        return self.filter(
            kpi__in=list(kpis),
            municipality__in=list(municipalities),
            year__in=list(years),
            gender=KoladaValue.Gender.TOTAL,
        )


class KoladaValue(models.Model):
    """One imported Kolada value: a key figure for a municipality, year and gender."""

    class Gender(models.TextChoices):
        TOTAL = "T", _("Totalt")
        WOMEN = "K", _("Kvinnor")
        MEN = "M", _("Män")

    kpi = models.CharField(_("nyckeltal"), max_length=6)
    municipality = models.CharField(_("kommunkod"), max_length=8)
    year = models.PositiveSmallIntegerField(_("år"))
    gender = models.CharField(_("kön"), max_length=1, choices=Gender.choices)
    value = models.DecimalField(_("värde"), max_digits=16, decimal_places=4, null=True)
    status = models.CharField(_("status"), max_length=32, blank=True)
    count = models.PositiveIntegerField(null=True, blank=True)
    imported_at = models.DateTimeField(_("importerad"), default=timezone.now)

    objects = KoladaValueQuerySet.as_manager()

    class Meta:
        ordering = ["kpi", "municipality", "year", "gender"]
        verbose_name = _("Kolada-värde")
        verbose_name_plural = _("Kolada-värden")
        constraints = [
            models.UniqueConstraint(
                fields=["kpi", "municipality", "year", "gender"], name="integrations_kolada_unique"
            ),
            models.CheckConstraint(
                condition=Q(gender__in=["T", "K", "M"]), name="integrations_kolada_gender_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kpi} {self.municipality} {self.year} {self.gender}: {self.value}"


class ComparisonGroup(models.Model):
    """The municipalities an organisation compares itself with in Kolada.

    The organisation's own municipality code is `Unit.municipality_code` on its root; the
    group adds the name to show for it and the comparable municipalities (members).
    """

    organisation = models.OneToOneField(
        Unit,
        on_delete=models.CASCADE,
        related_name="comparison_group",
        limit_choices_to={"parent__isnull": True},
        verbose_name=_("organisation"),
    )
    municipality_name = models.CharField(_("egen kommuns namn"), max_length=100)

    class Meta:
        verbose_name = _("jämförelsegrupp")
        verbose_name_plural = _("jämförelsegrupper")

    def __str__(self) -> str:
        return f"{self.organisation}: {self.municipality_name}"


class ComparisonMember(models.Model):
    group = models.ForeignKey(ComparisonGroup, on_delete=models.CASCADE, related_name="members")
    code = models.CharField(_("kommunkod"), max_length=4, validators=[municipality_code_validator])
    name = models.CharField(_("namn"), max_length=100)
    sort_order = models.PositiveSmallIntegerField(default=100)

    class Meta:
        ordering = ["sort_order", "name"]
        verbose_name = _("jämförelsekommun")
        verbose_name_plural = _("jämförelsekommuner")
        constraints = [
            models.UniqueConstraint(fields=["group", "code"], name="integrations_member_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


# --- API tokens and the call log ------------------------------------------------------------


class ApiTokenQuerySet(models.QuerySet["ApiToken"]):
    def active(self) -> ApiTokenQuerySet:
        return self.filter(revoked_at__isnull=True)


class ApiToken(models.Model):
    """A per-integration token: scoped to units (and their subtrees) and to read and/or write.

    Only a SHA-256 hash of the secret is stored (the secret is random and long, so a slow
    password hash buys nothing); the secret is shown once, when the token is created.
    `prefix` is the public first part of the token, used to find the row and to show it.
    """

    class Scope(models.TextChoices):
        READ = "read", _("Läsa")
        WRITE = "write", _("Skriva")
        READ_WRITE = "read_write", _("Läsa och skriva")

    name = models.CharField(_("namn"), max_length=100, help_text=_("Vilken integration det är"))
    prefix = models.CharField(_("prefix"), max_length=16, unique=True, editable=False)
    secret_hash = models.CharField(max_length=64, editable=False)
    scope = models.CharField(_("behörighet"), max_length=10, choices=Scope.choices)
    units = models.ManyToManyField(
        Unit,
        related_name="+",
        verbose_name=_("enheter"),
        help_text=_("Tokenen når de valda enheterna och alla enheter under dem."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField(_("skapad"), default=timezone.now, editable=False)
    revoked_at = models.DateTimeField(_("återkallad"), null=True, blank=True, editable=False)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    last_used_at = models.DateTimeField(_("senast använd"), null=True, editable=False)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API-token")
        verbose_name_plural = _("API-tokens")
        constraints = [
            models.CheckConstraint(
                condition=Q(scope__in=["read", "write", "read_write"]),
                name="integrations_token_scope_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    @property
    def can_read(self) -> bool:
        return self.scope in (self.Scope.READ, self.Scope.READ_WRITE)

    @property
    def can_write(self) -> bool:
        return self.scope in (self.Scope.WRITE, self.Scope.READ_WRITE)

    def reachable_units(self):
        """The token's units and every unit below them."""
        return Unit.objects.subtree_of(self.units.all())


class ApiCall(models.Model):
    """One call to the API: who (which token), what, the answer and from where.

    Written for every request under /api/, also refused ones (token null when none matched).
    Append-only: the admin shows it read-only.
    """

    token = models.ForeignKey(
        ApiToken, null=True, blank=True, on_delete=models.PROTECT, related_name="calls"
    )
    method = models.CharField(max_length=10)
    endpoint = models.CharField(max_length=300)
    status = models.PositiveSmallIntegerField()
    rows = models.PositiveIntegerField(default=0, help_text=_("Antal rader i anropet"))
    at = models.DateTimeField(default=timezone.now, db_index=True)
    duration_ms = models.PositiveIntegerField(default=0)
    remote_addr = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("API-anrop")
        verbose_name_plural = _("API-anrop")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.method} {self.endpoint} {self.status}"


# --- Figures beyond the rollups: decision mode, return rate, yearly lead times ---------------
# Derived tables like reports' rollups: pooled over the unit's subtree, sparse (no row means
# zero), rewritten whole per organisation by integrations.compute. Nothing else writes them.


class DecisionModeFigure(models.Model):
    """Decisions of one mode in a unit's subtree and month, and utredningstid by that mode.

    `decisions` counts decision events of the mode dated in the month (the decision's unit);
    `n`, `median`, `p90` are the application_received → decision durations (days) whose
    decision, of this mode, falls in the month (DESIGN.md pairing and attribution).
    """

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+")
    month = models.DateField()
    mode = models.CharField(max_length=12, choices=DecisionMode.choices)
    decisions = models.PositiveIntegerField(default=0)
    n = models.PositiveIntegerField(default=0)
    median = models.FloatField(null=True, blank=True)
    p90 = models.FloatField(null=True, blank=True)
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["unit", "month", "mode"]
        verbose_name = _("beslutssätt per månad")
        verbose_name_plural = _("beslutssätt per månad")
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "month", "mode"], name="integrations_modefigure_unique"
            ),
            models.CheckConstraint(
                condition=Q(median__isnull=True, p90__isnull=True)
                | Q(median__isnull=False, p90__isnull=False, n__gt=0),
                name="integrations_modefigure_percentiles_need_n",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.month:%Y-%m} {self.mode}: {self.decisions}"


class ReturnRateFigure(models.Model):
    """Clients who exited to work or studies in a unit's subtree and month (`clients`), and
    how many of them had a new application_received within 12 months of the exit
    (`returned`). The month's rate is final once its 12 months have passed (`is_final`)."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+")
    month = models.DateField()
    clients = models.PositiveIntegerField()
    returned = models.PositiveIntegerField()
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["unit", "month"]
        verbose_name = _("återkomst per månad")
        verbose_name_plural = _("återkomst per månad")
        constraints = [
            models.UniqueConstraint(fields=["unit", "month"], name="integrations_return_unique"),
            models.CheckConstraint(
                condition=Q(returned__lte=models.F("clients")),
                name="integrations_return_at_most_clients",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.month:%Y-%m}: {self.returned}/{self.clients}"


class YearLeadTime(models.Model):
    """A lead-time indicator over a whole year for a unit's subtree: n, median and p90 of the
    pooled durations ending in the year (a year's median is not a median of monthly ones)."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+")
    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    n = models.PositiveIntegerField()
    median = models.FloatField()
    p90 = models.FloatField()
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["unit", "indicator", "year"]
        verbose_name = _("ledtid per år")
        verbose_name_plural = _("ledtid per år")
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "indicator", "year"], name="integrations_yearlead_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.indicator_id} {self.year}: {self.median}"
