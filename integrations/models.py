"""Benchmarks imported from Kolada, and the organisation's comparison group."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from goals.models import Unit

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
