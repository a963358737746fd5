from __future__ import annotations

from django.contrib import admin

from .models import ComparisonGroup, ComparisonMember, KoladaValue


class ComparisonMemberInline(admin.TabularInline):
    model = ComparisonMember
    extra = 1


@admin.register(ComparisonGroup)
class ComparisonGroupAdmin(admin.ModelAdmin):
    list_display = ["organisation", "municipality_name"]
    list_select_related = ["organisation"]
    inlines = [ComparisonMemberInline]


@admin.register(KoladaValue)
class KoladaValueAdmin(admin.ModelAdmin):
    list_display = ["kpi", "municipality", "year", "gender", "value", "status", "imported_at"]
    list_filter = ["kpi", "year", "gender"]
    search_fields = ["kpi", "municipality"]

    # Imported figures are Kolada's: they change by re-import, not by hand.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
