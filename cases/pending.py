"""Uploaded event files waiting for their confirm step (the import page's preview).

The file goes into the database in pieces of `CHUNK_BYTES`, so any web process on any
machine can finish the import, and memory stays bounded whatever the file's size. The
confirm step spools it back into a local temporary file (the importer needs a seekable
stream), claims it so that a second confirm finds nothing, and imports.
"""

from __future__ import annotations

import datetime as dt
import tempfile
import uuid
from typing import IO

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from .models import PendingImport, PendingImportChunk

CHUNK_BYTES = 1024 * 1024
MAX_AGE = dt.timedelta(hours=24)
_SPOOL_IN_MEMORY = 8 * 1024 * 1024  # larger files spill to a temporary file on disk


def store(upload: UploadedFile, *, user) -> PendingImport:
    """Keep `upload` for `user`'s confirm step; files older than `MAX_AGE` go at the same time."""
    with transaction.atomic():
        sweep()
        pending = PendingImport.objects.create(
            token=uuid.uuid4(), user=user, filename=(upload.name or "")[:200], size=upload.size
        )
        upload.seek(0)
        # read() rather than chunks(): an in-memory upload gives its chunks() in one piece.
        for seq, data in enumerate(iter(lambda: upload.read(CHUNK_BYTES), b"")):
            PendingImportChunk.objects.create(pending=pending, seq=seq, data=data)
    return pending


def find(token: str, *, user) -> PendingImport | None:
    """The unexpired pending import `token` of `user`, or None (bad token, someone else's)."""
    try:
        token = uuid.UUID(hex=token or "")
    except ValueError:
        return None
    return PendingImport.objects.filter(
        token=token, user=user, created_at__gte=timezone.now() - MAX_AGE
    ).first()


def claim(pending: PendingImport) -> IO[bytes] | None:
    """The file of `pending` as a seekable stream, removed from the database; None when a
    concurrent confirm claimed it first. The caller closes the stream."""
    spool = tempfile.SpooledTemporaryFile(max_size=_SPOOL_IN_MEMORY)  # noqa: SIM115 (returned)
    with transaction.atomic():
        locked = PendingImport.objects.select_for_update().filter(pk=pending.pk).first()
        if locked is None:
            spool.close()
            return None
        pieces = (
            PendingImportChunk.objects.filter(pending=pending)
            .order_by("seq")
            .values_list("data", flat=True)
        )
        for data in pieces.iterator(chunk_size=4):
            spool.write(data)
        _delete([pending.pk])
    spool.seek(0)
    return spool


def sweep() -> int:
    """Delete pending imports older than `MAX_AGE`; returns how many."""
    stale = list(
        PendingImport.objects.filter(created_at__lt=timezone.now() - MAX_AGE).values_list(
            "pk", flat=True
        )
    )
    _delete(stale)
    return len(stale)


def _delete(pks: list[int]) -> None:
    # Chunks first, by their foreign key: a cascade from the parent could load each chunk's
    # megabyte just to delete it.
    if pks:
        PendingImportChunk.objects.filter(pending_id__in=pks).delete()
        PendingImport.objects.filter(pk__in=pks).delete()
