"""The logs in the admin: read-only for everyone, superusers included."""

from __future__ import annotations

from django.contrib import admin

from .models import AccessRecord, AccessRecordItem, AuditEntry


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


# django-auditlog registers its own (deletable) admin for the entry model: replace it.
if admin.site.is_registered(AuditEntry):
    admin.site.unregister(AuditEntry)


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ["timestamp", "actor", "source", "content_type", "object_repr", "action"]
    list_filter = ["action", "source", "content_type"]
    search_fields = ["object_repr", "actor__username", "unit_path"]
    list_select_related = ["actor", "content_type"]
    date_hierarchy = "timestamp"


class AccessRecordItemInline(admin.TabularInline):
    model = AccessRecordItem
    extra = 0
    can_delete = False
    fields = ["client_ref", "object_type", "object_pk", "unit_path"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(AccessRecord)
class AccessRecordAdmin(ReadOnlyAdmin):
    list_display = ["at", "username", "ip", "kind", "count", "path"]
    list_filter = ["kind"]
    search_fields = ["username", "path", "items__client_ref"]
    date_hierarchy = "at"
    inlines = [AccessRecordItemInline]
