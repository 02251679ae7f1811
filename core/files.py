"""Content-addressed, immutable file store on top of Django's storage API (filesystem or S3).

`store_file(data, ...)` returns the one StoredFile for those bytes; storing the same bytes twice is a no-op.

Crash safety: the file is written (atomically, see `core.storage`) before its row, and the row is committed by the
caller's transaction. A crash in between leaves at most a file no row refers to (`manage.py orphan_files` removes
it), never a row without its file. A file already under the name is trusted only when its size and SHA-256 match;
anything else (a truncated write of an older version, a damaged disk) is rewritten from the bytes in hand.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import mimetypes
import os
from collections.abc import Iterator
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.models import StoredFile

logger = logging.getLogger(__name__)

BLOB_ROOT = "blobs"
_CHUNK = 1024 * 1024


def blob_path(sha256: str, filename: str) -> str:
    extension = (filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin")[:10]
    return f"{BLOB_ROOT}/{sha256[:2]}/{sha256[2:4]}/{sha256}.{extension}"


def store_file(data: bytes, *, filename: str, content_type: str | None = None) -> StoredFile:
    digest = hashlib.sha256(data).hexdigest()
    existing = StoredFile.objects.filter(sha256=digest).first()
    path = existing.file.name if existing is not None else blob_path(digest, filename)
    _write_blob(path, data, sha256=digest, adopt=existing is None)
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            stored = StoredFile(
                sha256=digest,
                size=len(data),
                content_type=content_type or mimetypes.guess_type(filename)[0] or "application/octet-stream",
                filename=filename,
            )
            stored.file.name = path
            stored.save()
            return stored
    except IntegrityError:  # a concurrent store of the same bytes recorded it first
        return StoredFile.objects.get(sha256=digest)


def blob_matches(path: str, *, size: int, sha256: str) -> bool:
    """True when storage holds exactly these bytes under `path` (size first: it costs no read)."""
    try:
        if default_storage.size(path) != size:
            return False
        digest = hashlib.sha256()
        with default_storage.open(path, "rb") as fh:
            while chunk := fh.read(_CHUNK):
                digest.update(chunk)
    except FileNotFoundError:
        return False
    return digest.hexdigest() == sha256


def stored_file_intact(stored: StoredFile) -> bool:
    return blob_matches(stored.file.name, size=stored.size, sha256=stored.sha256)


def _write_blob(path: str, data: bytes, *, sha256: str, adopt: bool) -> None:
    if default_storage.exists(path):
        if blob_matches(path, size=len(data), sha256=sha256):
            if adopt:  # an orphan about to get its row again: make it young, so the orphan sweep keeps it
                _touch(path, data)
            return
        logger.warning("Stored file %s differs from its content (size or hash): rewriting it", path)
        default_storage.delete(path)
    saved = default_storage.save(path, ContentFile(data))
    if saved != path:  # a concurrent writer got there first with the same bytes; keep one copy
        default_storage.delete(saved)


def _touch(path: str, data: bytes) -> None:
    try:
        os.utime(default_storage.path(path))
    except NotImplementedError:  # object storage: no mtime to set, write the object again
        default_storage.delete(path)
        default_storage.save(path, ContentFile(data))


# --- orphans ---------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Orphan:
    path: str
    size: int
    modified: dt.datetime


def _walk(directory: str) -> Iterator[str]:
    try:
        subdirs, files = default_storage.listdir(directory)
    except FileNotFoundError:
        return
    for name in files:
        yield f"{directory}/{name}"
    for sub in subdirs:
        yield from _walk(f"{directory}/{sub}")


def find_orphans(*, grace: dt.timedelta) -> list[Orphan]:
    """Files under the blob store that no StoredFile row refers to, last written more than `grace` ago (a younger
    file may belong to a transaction that has not committed yet). Temporary files of a killed write count too."""
    cutoff = timezone.now() - grace
    orphans = []
    for path in _walk(BLOB_ROOT):
        modified = default_storage.get_modified_time(path)
        if modified > cutoff or StoredFile.objects.filter(file=path).exists():
            continue
        orphans.append(Orphan(path=path, size=default_storage.size(path), modified=modified))
    return orphans


def delete_orphan(orphan: Orphan) -> bool:
    """Remove one orphan unless it was stored again since it was listed (a new row, or a store in progress that
    made it young again)."""
    try:
        modified = default_storage.get_modified_time(orphan.path)
    except FileNotFoundError:
        return False
    if modified != orphan.modified or StoredFile.objects.filter(file=orphan.path).exists():
        return False
    default_storage.delete(orphan.path)
    return True
