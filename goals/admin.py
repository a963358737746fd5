from __future__ import annotations

from django.contrib import admin

from trelleborg.accesslog import ReadLoggedAdmin

from .forms import IndicatorAdminForm
from .models import (
    CycleChange,
    GroupDecision,
    Indicator,
    IndividualTarget,
    ManualValue,
    Membership,
    MonthCorrection,
    MonthFollowUp,
    NamedClient,
    PlannedCase,
    ReminderSent,
    Unit,
    YearGoal,
)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "parent", "path"]
    search_fields = ["code", "name"]
    list_select_related = ["parent"]
    readonly_fields = ["path"]
    inlines = [MembershipInline]

    def save_model(self, request, obj, form, change):
        from .services import unit_save

        unit_save(unit=obj)


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "unit", "role"]
    list_filter = ["role"]
    search_fields = ["user__username", "unit__code", "unit__name"]
    autocomplete_fields = ["user", "unit"]
    list_select_related = ["user", "unit"]


@admin.register(Indicator)
class IndicatorAdmin(admin.ModelAdmin):
    form = IndicatorAdminForm
    list_display = [
        "code",
        "name",
        "kind",
        "start_event_type",
        "end_event_type",
        "built_in",
        "active",
    ]
    list_filter = ["kind", "active", "built_in"]
    readonly_fields = ["built_in"]

    def get_readonly_fields(self, request, obj=None):
        # A built-in's definition is a contract (DESIGN.md): reports and eor_report rely on
        # it. Its name, order and active flag may change; what it counts may not.
        if obj is not None and obj.built_in:
            return [
                "built_in",
                "code",
                "kind",
                "start_event_type",
                "end_event_type",
                "reasons",
                "program",
            ]
        return self.readonly_fields

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.built_in:
            return False
        return super().has_delete_permission(request, obj)

    def delete_queryset(self, request, queryset):
        # The bulk "delete selected" action: built-ins are never deleted.
        super().delete_queryset(request, queryset.filter(built_in=False))


@admin.register(YearGoal)
class YearGoalAdmin(admin.ModelAdmin):
    list_display = ["unit", "indicator", "year", "target", "baseline_year", "factor"]
    list_filter = ["year", "indicator"]
    list_select_related = ["unit", "indicator"]


class NamedClientInline(admin.TabularInline):
    model = NamedClient
    extra = 0


class PlannedCaseInline(admin.TabularInline):
    """Read-only: a planned case is checked against the caseworker's open cases when the
    plan is saved (goals.services.plan_save), which the admin's form cannot do."""

    model = PlannedCase
    extra = 0
    fields = readonly_fields = ["indicator", "case_ref", "started_on", "planned_action"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(IndividualTarget)
class IndividualTargetAdmin(ReadLoggedAdmin, admin.ModelAdmin):
    list_display = ["unit", "caseworker", "month", "target"]
    list_filter = ["month"]
    list_select_related = ["unit", "caseworker"]
    inlines = [NamedClientInline, PlannedCaseInline]

    def read_records(self, objs, *, form=False):
        """The list shows plans only; a plan's form shows its named clients and cases."""
        if not form:
            return objs
        return [*objs, *objs[0].named_clients.all(), *objs[0].planned_cases.all()]


@admin.register(GroupDecision)
class GroupDecisionAdmin(admin.ModelAdmin):
    list_display = ["unit", "month", "indicator", "version", "eor", "decided_by", "decided_at"]
    list_filter = ["month", "indicator"]
    list_select_related = ["unit", "indicator", "decided_by"]


@admin.register(CycleChange)
class CycleChangeAdmin(ReadLoggedAdmin, admin.ModelAdmin):
    list_display = ["unit", "month", "kind", "subject", "changed_by", "changed_at"]
    list_filter = ["kind", "month"]
    list_select_related = ["unit", "subject", "changed_by"]

    def has_change_permission(self, request, obj=None):
        return False  # an audit trail is read-only

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ReminderSent)
class ReminderSentAdmin(admin.ModelAdmin):
    list_display = ["user", "month", "kind", "sent_at"]
    list_filter = ["kind", "month"]


@admin.register(MonthFollowUp)
class MonthFollowUpAdmin(admin.ModelAdmin):
    list_display = ["unit", "month", "closed_at", "restated"]


@admin.register(MonthCorrection)
class MonthCorrectionAdmin(admin.ModelAdmin):
    """Corrections of closed months: written by the event write paths, never by hand."""

    list_display = ["unit", "month", "corrected_at", "corrected_by", "source", "description"]
    list_filter = ["month"]
    list_select_related = ["unit", "corrected_by"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False  # an audit trail is read-only

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ManualValue)
class ManualValueAdmin(admin.ModelAdmin):
    list_display = ["unit", "indicator", "month", "value"]
