"""Forms of the monthly cycle. They parse and bound the input; the services decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from trelleborg.validation import PersonalNumberFormMixin
from trelleborg.vocabulary import EventType, ExitReason, Program

from .models import Indicator
from .services import MAX_GROUP_EOR, MAX_INDIVIDUAL_TARGET


class PlanForm(forms.Form):
    target = forms.IntegerField(
        label=_("Mitt mål för månaden (antal avslut till arbete eller studier)"),
        min_value=0,
        max_value=MAX_INDIVIDUAL_TARGET,
        error_messages={"required": _("Ange ditt mål (0–999).")},
    )


class NamedClientForm(PersonalNumberFormMixin, forms.Form):
    identifier_fields = ("client_ref",)

    client_ref = forms.CharField(label=_("Klientreferens"), max_length=64, required=False)
    planned_action = forms.CharField(
        label=_("Vad gör vi annorlunda för den här personen?"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        required=False,
    )
    carried_over = forms.BooleanField(required=False, widget=forms.HiddenInput)

    @property
    def is_carried_over(self) -> bool:
        """Whether the row came from last month's plan. A hidden boolean posts back as the
        text "False", which a template reads as true: after a refused save every row said
        "från förra månaden". Parsed as the field parses it."""
        return bool(self.fields["carried_over"].to_python(self["carried_over"].value()))

    def clean(self):
        data = super().clean()
        ref, action = data.get("client_ref", "").strip(), data.get("planned_action", "").strip()
        if action and not ref and "client_ref" not in self.errors:
            self.add_error("client_ref", _("Ange klientreferensen."))
        if ref and not action and not data.get("DELETE"):
            self.add_error("planned_action", _("Beskriv vad ni gör annorlunda för klienten."))
        return data


NamedClientFormSet = forms.formset_factory(
    NamedClientForm, extra=0, can_delete=True, max_num=50, validate_max=True
)


class PlannedCaseForm(forms.Form):
    """An open case the caseworker will bring to its end event in the month (a lead-time
    EOR). The case number is looked up by the service in the caseworker's scope."""

    indicator = forms.CharField(max_length=64, required=False, widget=forms.HiddenInput)
    case_ref = forms.CharField(label=_("Ärende"), max_length=64, required=False)
    planned_action = forms.CharField(
        label=_("Vad gör du för att föra ärendet till sitt slut?"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        required=False,
    )

    def clean(self):
        data = super().clean()
        ref, action = data.get("case_ref", "").strip(), data.get("planned_action", "").strip()
        if action and not ref and "case_ref" not in self.errors:
            self.add_error("case_ref", _("Ange ärendenumret."))
        if ref and not action and not data.get("DELETE"):
            self.add_error("planned_action", _("Beskriv vad du gör för ärendet."))
        return data


PlannedCaseFormSet = forms.formset_factory(
    PlannedCaseForm, extra=0, can_delete=True, max_num=50, validate_max=True
)


class DecisionForm(PersonalNumberFormMixin, forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    # The indicator the group commits on; empty means exits (`avslut`), as before issue 14.
    indicator = forms.ChoiceField(label=_("Indikator"), required=False)
    eor = forms.DecimalField(
        label=_("Gruppens EOR (i indikatorns enhet: antal avslut, dagar eller värde)"),
        min_value=0,
        max_value=MAX_GROUP_EOR,
        decimal_places=2,
        localize=True,
        error_messages={"required": _("Ange gruppens EOR.")},
    )
    rationale = forms.CharField(
        label=_("Motivering"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=5000,
        error_messages={"required": _("Motivera beslutet.")},
    )
    participants = forms.TypedMultipleChoiceField(
        label=_("Deltagare"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    guests = forms.CharField(
        label=_("Övriga deltagare (gäster)"),
        required=False,
        max_length=500,
        help_text=_("Namn och organisation, kommaseparerat."),
    )
    revision_reason = forms.CharField(
        label=_("Skäl till ändringen"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=2000,
    )

    def __init__(self, *args, participants: list, indicators: list | None = None, **kwargs):
        # A list, not a queryset: the meeting page already has the people (query count).
        super().__init__(*args, **kwargs)
        self.indicators = {i.code: i for i in indicators or []}
        self.fields["indicator"].choices = [
            (i.code, f"{i.display_name} ({i.get_kind_display().lower()})") for i in indicators or []
        ]
        self.people = {user.pk: user for user in participants}
        self.fields["participants"].choices = [
            (user.pk, user.get_full_name() or user.username) for user in participants
        ]

    def chosen_participants(self) -> list:
        return [self.people[pk] for pk in self.cleaned_data["participants"]]

    def chosen_indicator(self):
        """The indicator picked, or None for the default (exits, `avslut`)."""
        return self.indicators.get(self.cleaned_data.get("indicator") or "")


class EvaluationForm(PersonalNumberFormMixin, forms.Form):
    worked = forms.CharField(
        label=_("Vad fungerade?"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=5000,
    )
    adjust = forms.CharField(
        label=_("Vad justerar vi?"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=5000,
    )
    reason = forms.CharField(
        label=_("Skäl till rättelsen (stängd månad)"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=2000,
    )


class YearGoalForm(forms.Form):
    MODE_ABSOLUTE, MODE_RELATIVE = "absolute", "relative"
    indicator = forms.ModelChoiceField(label=_("Indikator"), queryset=None)
    mode = forms.ChoiceField(
        label=_("Typ av mål"),
        choices=[
            (MODE_ABSOLUTE, _("Absolut mål")),
            (MODE_RELATIVE, _("Faktor × basårets värde")),
        ],
        widget=forms.RadioSelect,
        initial=MODE_ABSOLUTE,
    )
    target = forms.DecimalField(
        label=_("Mål"), required=False, min_value=0, max_digits=12, decimal_places=2
    )
    baseline_year = forms.IntegerField(
        label=_("Basår"), required=False, min_value=1990, max_value=2100
    )
    factor = forms.DecimalField(
        label=_("Faktor"), required=False, min_value=0, max_digits=6, decimal_places=3
    )
    # Only for a baseline year without data in EOR (figures from an earlier case system).
    baseline_value = forms.DecimalField(
        label=_("Basvärde inmatat för hand"),
        required=False,
        max_digits=12,
        decimal_places=2,
        help_text=_("Bara när basåret saknar data i EOR, t.ex. siffror ur ett tidigare system."),
    )
    baseline_source = forms.CharField(
        label=_("Källa för basvärdet"), required=False, max_length=200
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["indicator"].queryset = Indicator.objects.filter(active=True)

    def clean(self):
        data = super().clean()
        if data.get("mode") == self.MODE_ABSOLUTE:
            if data.get("target") is None:
                self.add_error("target", _("Ange målet."))
            data["baseline_year"] = data["factor"] = None
        elif data.get("mode") == self.MODE_RELATIVE:
            if data.get("baseline_year") is None:
                self.add_error("baseline_year", _("Ange basåret."))
            if data.get("factor") is None:
                self.add_error("factor", _("Ange faktorn."))
            data["target"] = None
        if data.get("mode") != self.MODE_RELATIVE:
            data["baseline_value"], data["baseline_source"] = None, ""
        return data


class ManualValueForm(forms.Form):
    indicator = forms.ModelChoiceField(label=_("Indikator"), queryset=None)
    value = forms.DecimalField(label=_("Värde"), max_digits=12, decimal_places=2)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["indicator"].queryset = Indicator.objects.filter(
            active=True, kind=Indicator.Kind.MANUAL
        )


class IndicatorAdminForm(forms.ModelForm):
    """What an administrator may define, per kind (DESIGN.md "Indicators")."""

    reasons = forms.MultipleChoiceField(
        label=_("Avslutsorsaker som räknas"),
        choices=ExitReason.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Indicator
        fields = [
            "code",
            "name",
            "kind",
            "start_event_type",
            "end_event_type",
            "reasons",
            "program",
            "unit_label",
            "direction",
            "active",
            "sort_order",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and self.instance.built_in:
            # The definition of a built-in is read-only in the admin (IndicatorAdmin).
            self.fields.pop("reasons", None)

    def clean(self):
        data = super().clean()
        if self.instance.pk and self.instance.built_in:
            return data
        kind = data.get("kind")
        start, end = data.get("start_event_type", ""), data.get("end_event_type", "")
        reasons, program = data.get("reasons") or [], data.get("program", "")
        if kind == Indicator.Kind.LEAD_TIME:
            if not start:
                self.add_error("start_event_type", _("Välj starthändelsen."))
            if not end:
                self.add_error("end_event_type", _("Välj sluthändelsen."))
            if start and start == end:
                self.add_error("end_event_type", _("Start och slut måste vara olika händelser."))
            if EventType.EXIT in (start,):
                self.add_error("start_event_type", _("Ett avslut kan inte starta en ledtid."))
            if reasons:
                self.add_error("reasons", _("Avslutsorsaker gäller bara avslutsindikatorer."))
        elif kind in (Indicator.Kind.EXITS, Indicator.Kind.RETURN_RATE):
            if not reasons:
                self.add_error("reasons", _("Välj minst en avslutsorsak."))
            if start or end:
                self.add_error("start_event_type", _("Händelsetyper gäller bara ledtider."))
        elif kind == Indicator.Kind.MANUAL:
            if not data.get("unit_label", "").strip():
                self.add_error("unit_label", _("Ange vad värdet mäts i, t.ex. %."))
            if start or end or reasons or program:
                self.add_error(
                    "kind", _("Ett manuellt värde har inga händelser, orsaker eller program.")
                )
        if kind != Indicator.Kind.MANUAL and program and program not in Program.values:
            self.add_error("program", _("Okänt program."))
        if not data.get("direction"):
            self.add_error("direction", _("Välj om högre eller lägre är bättre."))
        data["reasons"] = list(reasons)
        return data
