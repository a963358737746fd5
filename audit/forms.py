from __future__ import annotations

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from .models import AccessKind

ACTIONS = [("", _("Alla")), ("0", _("Skapad")), ("1", _("Ändrad")), ("2", _("Borttagen"))]


class _PeriodForm(forms.Form):
    unit = forms.ChoiceField(label=_("Enhet"), required=False)
    user = forms.CharField(label=_("Användare"), required=False, max_length=150)
    date_from = forms.DateField(
        label=_("Från och med"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("Till och med"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = [("", _("Alla mina enheter"))] + [
            (u.code, f"{u.name} ({u.code})") for u in units
        ]

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("Slutdatumet ligger före startdatumet."))
        return data


class ChangeFilterForm(_PeriodForm):
    model = forms.ChoiceField(label=_("Typ av uppgift"), required=False)
    action = forms.ChoiceField(label=_("Händelse"), required=False, choices=ACTIONS)

    def __init__(self, *args, models=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["model"].choices = [("", _("Alla"))] + list(models)


class AccessFilterForm(_PeriodForm):
    client_ref = forms.CharField(label=_("Klientreferens"), required=False, max_length=64)
    kind = forms.ChoiceField(
        label=_("Typ av läsning"), required=False, choices=[("", _("Alla"))] + AccessKind.choices
    )


class _UsernameLengthChecked:
    """The username's length checked before anything else.

    Django sets the sign-in field's max_length from the user model but adds no validator
    for it, so a 300-character username reached authenticate() and django-axes, whose
    attempt log holds 255 characters: a 500 on PostgreSQL. Too long is a wrong sign-in."""

    def clean(self):
        username = self.cleaned_data.get("username") or ""  # type: ignore[attr-defined]
        limit = self.fields["username"].max_length or 150  # type: ignore[attr-defined]
        if len(username) > limit:
            raise self.get_invalid_login_error()  # type: ignore[attr-defined]
        return super().clean()  # type: ignore[misc]


class SignInForm(_UsernameLengthChecked, AuthenticationForm):
    pass


class AdminSignInForm(_UsernameLengthChecked, AdminAuthenticationForm):
    pass
