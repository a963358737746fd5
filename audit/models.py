"""The audit trail (who changed what, before and after) and the access log (who read what).

Neither is ever changed through the application: there are no forms or views that write
them, the admin shows them read-only, and the only writers are `audit.registry` (model
signals, through django-auditlog), `audit.services.record_bulk` (bulk imports) and
`audit.access.log_read` (reads of client-level data).
"""

from __future__ import annotations

import copy as copy_module
from collections.abc import Iterable

from auditlog.models import AbstractLogEntry, LogEntryManager
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _


def _paths_condition(field: str, paths: Iterable[str]) -> Q | None:
    condition = None
    for path in set(paths):
        term = Q(**{f"{field}__startswith": path})
        condition = term if condition is None else condition | term
    return condition


class AuditEntryQuerySet(models.QuerySet["AuditEntry"]):
    def for_unit_paths(self, paths: Iterable[str]) -> AuditEntryQuerySet:
        """Entries about objects in the units with these paths (and the units below)."""
        condition = _paths_condition("unit_path", paths)
        return self.none() if condition is None else self.filter(condition)


class AuditEntryManager(LogEntryManager.from_queryset(AuditEntryQuerySet)):  # type: ignore[misc]
    # Entries are written in the site's language whoever makes the change: an object's
    # str() may follow the reader's language (a built-in indicator's name does), and the
    # trail should not switch language from one entry to the next.

    def log_create(self, instance, force_log: bool = False, **kwargs):
        # Every entry carries the path of the unit its object belongs to, so a manager's
        # view of the log is one indexed prefix query, and it survives the unit's deletion.
        from .registry import unit_path_of

        kwargs.setdefault("unit_path", unit_path_of(instance))
        with translation.override(settings.LANGUAGE_CODE):
            entry = super().log_create(instance, force_log=force_log, **kwargs)
        self._file_under_old_unit(entry)
        return entry

    def _file_under_old_unit(self, entry) -> None:
        """An object that moved to another unit (a case, an event) is filed under its old
        unit too: the managers who lost it see that, and where, it went."""
        changes = getattr(entry, "changes", None)
        if not isinstance(changes, dict) or not isinstance(changes.get("unit"), list | tuple):
            return
        old, new = ([*changes["unit"], None, None])[:2]
        if old in (None, "", "None") or old == new:
            return
        from .registry import _unit_path

        try:
            old_path = _unit_path(int(old))
        except (TypeError, ValueError):
            return
        if old_path and old_path != entry.unit_path:
            copy = copy_module.copy(entry)
            copy.pk = None
            copy._state.adding = True
            copy.unit_path = old_path
            copy.save(force_insert=True)

    def log_m2m_changes(self, changed_queryset, instance, operation, field_name, **kwargs):
        from .registry import unit_path_of

        kwargs.setdefault("unit_path", unit_path_of(instance))
        with translation.override(settings.LANGUAGE_CODE):
            return super().log_m2m_changes(
                changed_queryset, instance, operation, field_name, **kwargs
            )


class AuditEntry(AbstractLogEntry):
    """One create, change or delete of a tracked object: django-auditlog's entry plus the
    unit it concerns and the write path it came through.

    An import writes one entry per event, so every index here costs a million-row import
    seconds. Indexed is only what is read: the change log (unit path prefix, model, newest
    first by timestamp and id; user through `actor`), the admin (newest first, by date) and
    django-auditlog's `get_for_object` (content type and object id). The fields below are django-auditlog's,
    redeclared without the single-column indexes nothing queries: `content_type` (the
    composite indexes start with it), `object_pk` (every tracked model has an integer key,
    so auditlog looks objects up by `object_id`), `action` (four values), `cid` (never
    filtered on); `unit_path` keeps the one index a prefix LIKE can use.
    """

    content_type = models.ForeignKey(
        to="contenttypes.ContentType",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("content type"),
        db_index=False,
    )
    object_pk = models.CharField(max_length=255, verbose_name=_("object pk"))
    object_id = models.BigIntegerField(blank=True, null=True, verbose_name=_("object id"))
    action = models.PositiveSmallIntegerField(
        choices=AbstractLogEntry.Action.choices, verbose_name=_("action")
    )
    cid = models.CharField(max_length=255, blank=True, null=True, verbose_name=_("Correlation ID"))
    # Indexed with the id below: the pages sort by (timestamp, id), and an import's entries
    # all share one timestamp.
    timestamp = models.DateTimeField(default=timezone.now, verbose_name=_("timestamp"))
    unit_path = models.CharField(max_length=2000, blank=True)
    # page, import, api, admin, demo, or "" for commands and jobs (see audit.middleware)
    source = models.CharField(_("källa"), max_length=16, blank=True)

    objects = AuditEntryManager()

    class Meta(AbstractLogEntry.Meta):
        verbose_name = _("ändring")
        verbose_name_plural = _("ändringslogg")
        indexes = [
            models.Index(fields=["-timestamp", "-id"], name="audit_entry_time"),
            models.Index(fields=["content_type", "-timestamp"], name="audit_entry_ct_time"),
            models.Index(fields=["content_type", "object_id"], name="audit_entry_object"),
            # startswith (LIKE 'prefix%') on any collation: the text_pattern_ops kind
            models.Index(
                fields=["unit_path"],
                name="audit_entry_unit_path",
                opclasses=["varchar_pattern_ops"],
            ),
        ]


class AccessKind(models.TextChoices):
    """What kind of client-level read an access-log record is."""

    CASE = "case", _("Ärende")
    CASE_LIST = "case_list", _("Ärendelista")
    CLIENT = "client", _("Klient")
    NAMED_CLIENTS = "named_clients", _("Namngivna klienter")
    FOLLOW_UP = "follow_up", _("Uppföljning")
    EXPORT = "export", _("Export")
    IMPORT = "import", _("Import")
    API = "api", _("API")
    SEARCH = "search", _("Sökning")
    ADMIN = "admin", _("Administration")


class AccessRecordQuerySet(models.QuerySet["AccessRecord"]):
    def for_unit_paths(self, paths: Iterable[str]) -> AccessRecordQuerySet:
        condition = _paths_condition("items__unit_path", paths)
        return self.none() if condition is None else self.filter(condition).distinct()


class AccessRecord(models.Model):
    """One read of client-level data: who, when, from where, and what kind of page."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Kept as text too: the log must still say who it was after the account is removed.
    username = models.CharField(_("användare"), max_length=150)
    at = models.DateTimeField(_("tidpunkt"), default=timezone.now, db_index=True)
    ip = models.GenericIPAddressField(_("IP-adress"), null=True, blank=True)
    method = models.CharField(max_length=8)
    path = models.CharField(_("sökväg"), max_length=2000)
    kind = models.CharField(_("typ"), max_length=20, choices=AccessKind.choices)
    count = models.PositiveIntegerField(_("antal poster"), default=0)

    objects = AccessRecordQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("åtkomst")
        verbose_name_plural = _("åtkomstlogg")
        indexes = [models.Index(fields=["user", "-at"], name="audit_access_user_time")]

    def __str__(self) -> str:
        return f"{self.username} {self.get_kind_display()} {self.at:%Y-%m-%d %H:%M}"


class AccessRecordItemQuerySet(models.QuerySet["AccessRecordItem"]):
    def for_unit_paths(self, paths: Iterable[str]) -> AccessRecordItemQuerySet:
        condition = _paths_condition("unit_path", paths)
        return self.none() if condition is None else self.filter(condition)


class AccessRecordItem(models.Model):
    """One client-level record shown by a read (a case, or a client reference in a list)."""

    record = models.ForeignKey(AccessRecord, on_delete=models.CASCADE, related_name="items")
    client_ref = models.CharField(_("klientreferens"), max_length=64, db_index=True)
    object_type = models.CharField(max_length=32, blank=True)
    object_pk = models.CharField(max_length=64, blank=True)
    unit_path = models.CharField(max_length=2000, blank=True, db_index=True)

    objects = AccessRecordItemQuerySet.as_manager()

    class Meta:
        ordering = ["record", "id"]
        verbose_name = _("åtkomstpost")
        verbose_name_plural = _("åtkomstposter")

    def __str__(self) -> str:
        return self.client_ref


class UserSession(models.Model):
    """The session keys a user signed in with, so deactivating an account can end every
    one of its sessions without scanning the session table."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    session_key = models.CharField(max_length=40, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("inloggningssession")
        verbose_name_plural = _("inloggningssessioner")

    def __str__(self) -> str:
        return f"{self.user_id}:{self.session_key[:6]}…"
