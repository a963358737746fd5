"""Administration of clients, cases and events. Writes go through cases.services, so the
admin path keeps the same rules (personal-number guard, dates, reasons), keeps history and
announces events_changed like every other path; reads are access-logged like every page's."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from trelleborg.accesslog import ReadLoggedAdmin
from trelleborg.months import month_of
from trelleborg.vocabulary import DecisionMode, EventType, Source

from . import corrections, services
from .models import Case, CaseEvent, CaseEventHistory, Client, WithdrawnEvent
from .signals import announce_events_changed


@admin.register(Client)
class ClientAdmin(ReadLoggedAdmin, admin.ModelAdmin):
    # The ref field's validator (validate_not_personal_number) runs in the admin form.
    list_display = ["ref", "organisation", "created_at"]
    search_fields = ["ref"]
    ordering = ["ref"]  # the autocomplete pages through clients in a stable order
    list_select_related = ["organisation"]
    readonly_fields = ["created_at"]


@admin.register(Case)
class CaseAdmin(ReadLoggedAdmin, admin.ModelAdmin):
    list_display = ["case_number", "client", "unit", "caseworker", "program"]
    list_filter = ["program"]
    search_fields = ["case_number", "client__ref"]
    list_select_related = ["client", "unit", "caseworker"]
    autocomplete_fields = ["client", "unit", "caseworker"]


class HistoryInline(admin.TabularInline):
    model = CaseEventHistory
    extra = 0
    can_delete = False
    readonly_fields = ["changed_at", "changed_by", "source", "previous", "note"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False


def _record_deleted(request, rows) -> None:
    """Deleted events dated in closed months are corrections (cases.corrections)."""
    corrections.record(
        [
            (
                unit_id,
                day,
                _("Borttagen händelse: %(event)s")
                % {"event": corrections.describe_event(event_type, reason, day)},
            )
            for unit_id, day, event_type, reason in rows
        ],
        by=request.user,
        source=Source.ADMIN,
    )


class CaseEventAdminForm(forms.ModelForm):
    """The service's rules at validation time, so the admin shows them on the form."""

    class Meta:
        model = CaseEvent
        fields = ["case", "unit", "event_type", "occurred_on", "reason", "program",
                  "decision_mode"]  # fmt: skip

    correction_reason = forms.CharField(
        label=gettext_lazy("Skäl till rättelse"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("När datumet ligger i en stängd månad är ändringen en rättelse."),
    )

    def clean(self):
        data = super().clean()
        if data.get("event_type") == EventType.DECISION and not data.get("decision_mode"):
            data["decision_mode"] = DecisionMode.MANUAL
        case = self.instance.case if self.instance.pk else data.get("case")
        if self.errors or case is None:
            return data
        try:
            services.check_event(
                case=case,
                event_type=data["event_type"],
                occurred_on=data["occurred_on"],
                reason=data.get("reason", ""),
                decision_mode=data.get("decision_mode", ""),
                program=data["program"],
                confirm=True,
                exclude_event=self.instance if self.instance.pk else None,
            )
        except ValidationError as error:
            for field, errors in error.error_dict.items():
                self.add_error(field if field in self.fields else None, errors)
        return data


@admin.register(CaseEvent)
class CaseEventAdmin(ReadLoggedAdmin, admin.ModelAdmin):
    form = CaseEventAdminForm
    list_display = ["event_id", "case", "unit", "event_type", "occurred_on", "reason", "source"]
    list_filter = ["event_type", "source", "program"]
    search_fields = ["event_id", "case__case_number", "case__client__ref"]
    list_select_related = ["case", "unit"]
    autocomplete_fields = ["case", "unit"]
    date_hierarchy = "occurred_on"
    inlines = [HistoryInline]
    fields = [
        "case",
        "unit",
        "event_type",
        "occurred_on",
        "reason",
        "program",
        "decision_mode",
        "correction_reason",
        "event_id",
        "source",
        "recorded_by",
        "recorded_at",
        "updated_at",
        "created_by_import",
        "changed_by_import",
    ]

    def get_readonly_fields(self, request, obj=None):
        readonly = [
            "event_id",
            "source",
            "recorded_by",
            "recorded_at",
            "updated_at",
            "created_by_import",
            "changed_by_import",
        ]
        return [*readonly, "case"] if obj else readonly

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        fields = {
            "event_type": data["event_type"],
            "occurred_on": data["occurred_on"],
            "reason": data["reason"],
            "program": data["program"],
            "decision_mode": data["decision_mode"],
        }
        reason = data.get("correction_reason", "")
        if change:
            updated = services.event_update(
                event=CaseEvent.objects.get(pk=obj.pk),
                by=request.user,
                source=Source.ADMIN,
                unit_id=data["unit"].pk,
                correction_reason=reason,
                **fields,
            )
        else:
            # An event added here is attributed to the unit chosen on the form.
            updated = services.event_log(
                case=data["case"],
                by=request.user,
                source=Source.ADMIN,
                confirm=True,
                correction_reason=reason,
                **fields,
            )
            if updated.unit_id != data["unit"].pk:
                updated = services.event_update(
                    event=updated, by=request.user, source=Source.ADMIN, unit_id=data["unit"].pk
                )
        obj.pk = updated.pk

    def delete_model(self, request, obj):
        unit_id, month = obj.unit_id, month_of(obj.occurred_on)
        with transaction.atomic():
            super().delete_model(request, obj)
            _record_deleted(request, [(unit_id, obj.occurred_on, obj.event_type, obj.reason)])
        announce_events_changed(unit_ids=[unit_id], months=[month])

    def delete_queryset(self, request, queryset):
        touched = list(queryset.values_list("unit_id", "occurred_on"))
        described = list(queryset.values_list("unit_id", "occurred_on", "event_type", "reason"))
        with transaction.atomic():
            super().delete_queryset(request, queryset)
            _record_deleted(request, described)
        announce_events_changed(
            unit_ids={u for u, _d in touched}, months={month_of(d) for _u, d in touched}
        )


@admin.register(WithdrawnEvent)
class WithdrawnEventAdmin(ReadLoggedAdmin, admin.ModelAdmin):
    """Withdrawn exits, read-only: the row is the record of a withdrawal (who, when, why,
    what the event was). Changing or deleting it would rewrite that record, and deleting it
    would also let a re-import bring the withdrawn event back."""

    list_display = ["event_id", "case", "unit", "event_type", "occurred_on", "withdrawn_by",
                    "withdrawn_at"]  # fmt: skip
    list_filter = ["event_type", "source"]
    search_fields = ["event_id", "case__case_number", "case__client__ref"]
    list_select_related = ["case", "unit", "withdrawn_by"]
    date_hierarchy = "withdrawn_at"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
