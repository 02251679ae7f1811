"""The filesystem storage, made crash-safe: a file appears under its name whole or not at all.

Django's `FileSystemStorage` writes straight to the final name, so a process killed mid-write leaves a truncated
file that looks complete. Here the bytes go to a temporary file in the same directory, are fsynced, and are then
hard-linked under the final name (atomic, and refused when the name exists, so Django's usual "pick another name"
still applies); the directory is fsynced so the new name survives a power cut. Object storage (S3) needs none of
this: a PUT, multipart or not, becomes visible only once complete.
"""

from __future__ import annotations

import os
import tempfile

from django.core.files.storage import FileSystemStorage

TEMP_PREFIX = ".tmp-"


def fsync_directory(directory: str) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class AtomicFileSystemStorage(FileSystemStorage):
    def _save(self, name, content):
        full_path = self.path(name)
        directory = os.path.dirname(full_path)
        os.makedirs(directory, exist_ok=True)
        fd, temp_path = tempfile.mkstemp(prefix=TEMP_PREFIX, dir=directory)
        try:
            with os.fdopen(fd, "wb") as fh:
                if hasattr(content, "seek"):
                    content.seek(0)
                for chunk in content.chunks():
                    fh.write(chunk if isinstance(chunk, bytes) else chunk.encode())
                fh.flush()
                os.fsync(fh.fileno())
            os.chmod(temp_path, self.file_permissions_mode or 0o644)
            while True:
                try:
                    os.link(temp_path, full_path)
                    break
                except FileExistsError:
                    name = self.get_available_name(name)
                    full_path = self.path(name)
        finally:
            os.unlink(temp_path)
        fsync_directory(directory)
        self._ensure_location_group_id(full_path)
        return os.path.relpath(full_path, self.location).replace("\\", "/")
