"""Forms of the caseworker's pages. The rules themselves live in cases/services.py; the
forms parse input and show the services' field errors where they belong."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from goals.models import Unit
from trelleborg.months import today
from trelleborg.vocabulary import DecisionMode, EventType, ExitReason, Program

from . import rules
from .idempotency import IdempotentForm
from .validators import personal_number_error


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class ServiceErrorsMixin:
    """Put a service's ValidationError on the form's fields."""

    def add_service_errors(self, error: ValidationError) -> None:
        if hasattr(error, "error_dict"):
            for field, errors in error.error_dict.items():
                self.add_error(field if field in self.fields else None, errors)
        else:
            self.add_error(None, error)

    @property
    def needs_confirmation(self) -> bool:
        return any(e.code == "needs_confirmation" for e in self.errors.as_data().get("confirm", []))


class ExitForm(ServiceErrorsMixin, IdempotentForm):
    reason = forms.ChoiceField(
        label=_("Orsak"), choices=[("", _("Välj orsak"))] + list(ExitReason.choices)
    )
    occurred_on = forms.DateField(label=_("Datum"), widget=DateInput(), initial=today)
    confirm = forms.BooleanField(
        label=_("Ja, registrera ett avslut till i samma månad"), required=False
    )
    # Asked for (required by the service) when the date lies in a closed month.
    correction_reason = forms.CharField(
        label=_("Skäl till rättelse"), required=False, max_length=1000, widget=forms.Textarea
    )

    def __init__(self, *args, **kwargs):
        # Unprefixed names, distinct ids: the exit and event forms share the case page.
        kwargs.setdefault("auto_id", "exit_%s")
        super().__init__(*args, **kwargs)

    def clean_occurred_on(self):
        value = self.cleaned_data["occurred_on"]
        if message := rules.date_error(value):
            raise ValidationError(message)
        return value


class EventForm(ServiceErrorsMixin, IdempotentForm):
    event_type = forms.ChoiceField(
        label=_("Händelse"),
        choices=[("", _("Välj händelse"))]
        + [(v, label) for v, label in EventType.choices if v != EventType.EXIT],
    )
    occurred_on = forms.DateField(label=_("Datum"), widget=DateInput(), initial=today)
    decision_mode = forms.ChoiceField(
        label=_("Beslutssätt (för beslut)"),
        choices=[("", _("Manuellt (standard)"))] + list(DecisionMode.choices),
        required=False,
        help_text=_("Anges bara för beslut."),
    )
    # Asked for (required by the service) when the date lies in a closed month.
    correction_reason = forms.CharField(
        label=_("Skäl till rättelse"), required=False, max_length=1000, widget=forms.Textarea
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "event_%s")
        super().__init__(*args, **kwargs)

    def clean_occurred_on(self):
        value = self.cleaned_data["occurred_on"]
        if message := rules.date_error(value):
            raise ValidationError(message)
        return value

    def clean(self):
        data = super().clean()
        if data.get("decision_mode") and data.get("event_type") != EventType.DECISION:
            self.add_error("decision_mode", _("Beslutssätt anges bara för beslut."))
        return data


class RegisterCaseForm(ServiceErrorsMixin, IdempotentForm):
    client_ref = forms.CharField(
        label=_("Klientreferens"),
        max_length=64,
        help_text=_("En pseudonym referens, t.ex. K-00123. Aldrig ett personnummer."),
    )
    case_number = forms.CharField(label=_("Ärendenummer"), max_length=64)
    unit = forms.ModelChoiceField(label=_("Enhet"), queryset=Unit.objects.none())
    caseworker = forms.ModelChoiceField(
        label=_("Handläggare"), queryset=get_user_model().objects.none(), required=False
    )
    program = forms.ChoiceField(
        label=_("Program"), choices=Program.choices, initial=Program.FORSORJNINGSSTOD
    )

    def __init__(self, *args, units, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units
        units_list = list(units)
        if len(units_list) == 1:
            self.fields["unit"].initial = units_list[0].pk
        self.fields["caseworker"].queryset = (
            get_user_model()
            .objects.filter(is_active=True, memberships__unit__in=units_list)
            .distinct()
            .order_by("username")
        )
        self.fields["caseworker"].initial = user.pk
        # Django's invalid-choice message repeats the posted value; never echo what was typed
        # on a page where a personal number may have been pasted into any field.
        for name in ("unit", "caseworker", "program"):
            self.fields[name].error_messages["invalid_choice"] = _(
                "Välj ett giltigt alternativ i listan."
            )

    def clean_client_ref(self):
        value, problem = rules.identifier_problem(self.cleaned_data["client_ref"])
        if message := personal_number_error(value):
            raise ValidationError(message, code="personal_number")
        if problem:
            raise ValidationError(problem, code="identifier")
        return value

    def clean_case_number(self):
        # Typed by hand, a case number is one slip away from the personal number beside it
        # in the case system: refuse it here too (imports carry the source system's own).
        value, problem = rules.identifier_problem(self.cleaned_data["case_number"])
        if personal_number_error(value):
            raise ValidationError(
                _("Ärendenumret ser ut som ett personnummer. Ange ärendesystemets ärendenummer."),
                code="personal_number",
            )
        if problem:
            raise ValidationError(problem, code="identifier")
        return value

    def full_clean(self):
        super().full_clean()
        # Never echo a refused personal number back into the page.
        refused = [
            name
            for name in ("client_ref", "case_number")
            if self.is_bound and name in getattr(self, "_errors", {})
        ]
        if refused:
            data = self.data.copy()
            for name in refused:
                data[name] = ""
            self.data = data


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=_("CSV-fil med händelser"),
        help_text=_("UTF-8, kommatecken eller semikolon som avgränsare, rubrikrad först."),
    )


class AmendExitForm(ServiceErrorsMixin, forms.Form):
    """Correct or withdraw an exit logged by mistake (services.exit_amend)."""

    CORRECT, WITHDRAW = "correct", "withdraw"
    action = forms.ChoiceField(
        label=_("Vad vill du göra?"),
        choices=[(CORRECT, _("Rätta datum eller orsak")), (WITHDRAW, _("Återkalla avslutet"))],
        widget=forms.RadioSelect,
        initial=CORRECT,
    )
    # Needed for a correction only (clean()); a withdrawal ignores them.
    reason = forms.ChoiceField(label=_("Orsak"), choices=ExitReason.choices, required=False)
    occurred_on = forms.DateField(label=_("Datum"), widget=DateInput(), required=False)
    note = forms.CharField(
        label=_("Motivering"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Varför rättas eller återkallas avslutet? Sparas i historiken."),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "amend_%s")
        super().__init__(*args, **kwargs)

    def clean_occurred_on(self):
        value = self.cleaned_data["occurred_on"]
        if value is not None and (message := rules.date_error(value)):
            raise ValidationError(message)
        return value

    def clean(self):
        data = super().clean()
        if data.get("action") == self.CORRECT:
            for name in ("reason", "occurred_on"):
                if not data.get(name) and name not in self.errors:
                    self.add_error(name, _("Ange ett värde för rättelsen."))
        return data

    def clean_note(self):
        value = self.cleaned_data["note"].strip()
        if message := rules.text_personal_number_error(value):
            raise ValidationError(message)
        return value
