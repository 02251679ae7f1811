"""Content-addressed, immutable file store on top of Django's storage API (filesystem or S3).

`store_file(data, ...)` returns the one StoredFile for those bytes; storing the same bytes twice is a no-op.
"""

from __future__ import annotations

import hashlib
import mimetypes

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction

from core.models import StoredFile


def blob_path(sha256: str, filename: str) -> str:
    extension = (filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin")[:10]
    return f"blobs/{sha256[:2]}/{sha256[2:4]}/{sha256}.{extension}"


def store_file(data: bytes, *, filename: str, content_type: str | None = None) -> StoredFile:
    digest = hashlib.sha256(data).hexdigest()
    existing = StoredFile.objects.filter(sha256=digest).first()
    if existing is not None:
        return existing
    path = blob_path(digest, filename)
    if not default_storage.exists(path):
        saved = default_storage.save(path, ContentFile(data))
        if saved != path:  # a concurrent writer got there first; keep one copy
            default_storage.delete(saved)
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
    except IntegrityError:
        return StoredFile.objects.get(sha256=digest)
