from __future__ import annotations

from django.contrib import admin, messages
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .models import ApiCall, ApiToken, ComparisonGroup, ComparisonMember, KoladaValue
from .services import token_revoke, token_secret_new


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


@admin.action(description=_("Återkalla valda tokens"))
def revoke_tokens(modeladmin, request, queryset):
    tokens = list(queryset.active())
    for token in tokens:
        token_revoke(token=token, by=request.user)
    modeladmin.message_user(
        request,
        ngettext("%d token återkallad.", "%d tokens återkallade.", len(tokens)) % len(tokens),
        messages.SUCCESS,
    )


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Administrators create and revoke tokens here; the secret is shown once, on creation."""

    list_display = ["name", "prefix", "scope", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["scope"]
    search_fields = ["name", "prefix"]
    filter_horizontal = ["units"]
    actions = [revoke_tokens]
    readonly_fields = [
        "prefix",
        "created_by",
        "created_at",
        "last_used_at",
        "revoked_at",
        "revoked_by",
    ]

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    has_add_permission = has_change_permission = has_view_permission

    def has_delete_permission(self, request, obj=None):
        return False  # revoke instead: the call log keeps pointing at the token

    def save_model(self, request, obj, form, change):
        if not change:
            obj.prefix, raw, obj.secret_hash = token_secret_new()
            obj.created_by = request.user
            request._eor_token_secret = raw  # shown once by response_add, never stored
        super().save_model(request, obj, form, change)

    def response_add(self, request, obj, post_url_continue=None):
        secret = getattr(request, "_eor_token_secret", None)
        if secret is None:
            return super().response_add(request, obj, post_url_continue)
        response = TemplateResponse(
            request,
            "admin/integrations/apitoken/created.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "token": obj,
                "secret": secret,
                "title": _("Token skapad"),
            },
        )
        response["Cache-Control"] = "no-store"
        return response


@admin.register(ApiCall)
class ApiCallAdmin(admin.ModelAdmin):
    """The call log: read-only, for administrators."""

    list_display = ["at", "token", "method", "endpoint", "status", "rows", "remote_addr"]
    list_filter = ["status", "method", "token"]
    search_fields = ["endpoint", "token__name", "token__prefix"]
    date_hierarchy = "at"
    list_select_related = ["token"]

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
