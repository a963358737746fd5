from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    """Access control, audit trail and access log. At the top of the dependency chain: it
    may import goals and cases, they never import it, so everything is wired from here."""

    name = "audit"
    verbose_name = _("Granskning och säkerhet")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.contrib.auth import get_user_model
        from django.contrib.auth.signals import user_logged_in, user_logged_out
        from django.db.models.signals import post_save

        from . import checks, registry, sessions  # noqa: F401  (checks registers itself)

        registry.register_tracked_models()
        from .adminforms import protect_admin_forms

        protect_admin_forms()
        # Migrations (data migrations seeding rows) are not user changes, and an entry
        # written mid-migration would create content types out of their usual order.
        from auditlog.context import auditlog_disabled
        from django.db.models.signals import post_migrate, pre_migrate

        pre_migrate.connect(
            lambda **kw: auditlog_disabled.set(True), weak=False, dispatch_uid="audit_pause"
        )
        post_migrate.connect(
            lambda **kw: auditlog_disabled.set(False), weak=False, dispatch_uid="audit_resume"
        )
        from trelleborg import accesslog

        from .access import log_read

        accesslog.register(log_read)

        from cases.signals import import_written

        from .services import record_import

        import_written.connect(record_import, dispatch_uid="audit_record_import")
        user_logged_in.connect(sessions.on_signed_in, dispatch_uid="audit_signed_in")
        user_logged_out.connect(sessions.on_signed_out, dispatch_uid="audit_signed_out")
        post_save.connect(
            sessions.on_user_saved, sender=get_user_model(), dispatch_uid="audit_user_saved"
        )
