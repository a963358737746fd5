"""Forms that store once, however often they are posted (issue 13, point 7).

A create-form carries a hidden `submission_key`, a fresh UUID each time the blank form is
rendered (outside any cached fragment: a cached key would be shared by everyone). The view
claims the key in the same transaction as the write: the first post stores the row and the
key; a repeated post (a double click, a reload, a retry, or twenty at once) finds the key
taken and gets the same answer as the first, a redirect, without writing. A post without a
key (an old page, a script) is handled as before.
"""

from __future__ import annotations

import datetime as dt
import uuid

from django import forms
from django.db import connection
from django.utils import timezone

from .models import FormSubmission

KEEP = dt.timedelta(days=7)  # how long a stored form's key keeps a repeat from storing


class IdempotentForm(forms.Form):
    submission_key = forms.CharField(
        widget=forms.HiddenInput, required=False, initial=uuid.uuid4, max_length=64
    )

    def clean_submission_key(self) -> uuid.UUID | None:
        # A mangled key is no key: the post is handled, just not deduplicated.
        try:
            return uuid.UUID(self.cleaned_data.get("submission_key") or "")
        except ValueError:
            return None


def posted_key(data) -> uuid.UUID | None:
    try:
        return uuid.UUID(data.get("submission_key") or "")
    except ValueError:
        return None


def stored(key: uuid.UUID | None) -> FormSubmission | None:
    """The earlier submission of this form, if it was stored."""
    if key is None:
        return None
    return FormSubmission.objects.filter(key=key).first()


def claim(key: uuid.UUID | None, *, user) -> bool:
    """Take the key inside the caller's transaction: False when another post took it first.
    One statement, INSERT … ON CONFLICT DO NOTHING (PostgreSQL and SQLite): a concurrent post
    of the same key waits for the first one's transaction and then inserts nothing, and no
    error breaks the caller's transaction. Without a key there is nothing to deduplicate."""
    if key is None:
        return True
    meta, quote = FormSubmission._meta, connection.ops.quote_name
    key_column = quote(meta.get_field("key").column)
    values = [
        meta.get_field("key").get_db_prep_value(key, connection),
        getattr(user, "pk", None),
        meta.get_field("created_at").get_db_prep_value(timezone.now(), connection),
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(meta.db_table)} ({key_column}, {quote('user_id')}, "  # noqa: S608
            f"{quote('redirect_to')}, {quote('created_at')}) VALUES (%s, %s, '', %s) "
            f"ON CONFLICT ({key_column}) DO NOTHING RETURNING {key_column}",
            values,
        )
        return cursor.fetchone() is not None


def remember_answer(key: uuid.UUID | None, redirect_to: str) -> None:
    """Keep the first post's redirect for the repeats (when it depends on what was made)."""
    if key is not None:
        FormSubmission.objects.filter(key=key).update(redirect_to=redirect_to)


def sweep() -> int:
    """Delete keys older than KEEP (the nightly task); returns how many."""
    deleted, _ = FormSubmission.objects.filter(created_at__lt=timezone.now() - KEEP).delete()
    return deleted
