from __future__ import annotations

from django.contrib import admin

from .models import (
    GroupDecision,
    Indicator,
    IndividualTarget,
    ManualValue,
    Membership,
    MonthFollowUp,
    NamedClient,
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
    list_display = ["code", "name", "kind", "start_event_type", "end_event_type", "active"]
    list_filter = ["kind", "active"]
    readonly_fields = ["built_in"]


@admin.register(YearGoal)
class YearGoalAdmin(admin.ModelAdmin):
    list_display = ["unit", "indicator", "year", "target", "baseline_year", "factor"]
    list_filter = ["year", "indicator"]
    list_select_related = ["unit", "indicator"]


class NamedClientInline(admin.TabularInline):
    model = NamedClient
    extra = 0


@admin.register(IndividualTarget)
class IndividualTargetAdmin(admin.ModelAdmin):
    list_display = ["unit", "caseworker", "month", "target"]
    list_filter = ["month"]
    list_select_related = ["unit", "caseworker"]
    inlines = [NamedClientInline]


@admin.register(GroupDecision)
class GroupDecisionAdmin(admin.ModelAdmin):
    list_display = ["unit", "month", "version", "eor", "decided_by", "decided_at"]
    list_filter = ["month"]
    list_select_related = ["unit", "decided_by"]


@admin.register(MonthFollowUp)
class MonthFollowUpAdmin(admin.ModelAdmin):
    list_display = ["unit", "month", "closed_at", "restated"]


@admin.register(ManualValue)
class ManualValueAdmin(admin.ModelAdmin):
    list_display = ["unit", "indicator", "month", "value"]
