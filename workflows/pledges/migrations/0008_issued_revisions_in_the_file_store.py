"""Issued revisions (the public verification records, signing.IssuedRevision) stop keeping their own copy under
signing/issued/: each now names the file in the one store (core.StoredFile, blobs/), which the pledge or dispatch
already holds. Here, not in signing (a leaf that knows no other app): the applications are what store both.

A record whose bytes are in no StoredFile gets one (the file copied into blobs/); the old copy is then removed.
Reversing keeps the records on blobs/, which stays valid.
"""

import hashlib
import mimetypes

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import migrations

LEGACY = "signing/issued/"


def _blob_path(sha256: str, name: str) -> str:
    extension = (name.rsplit(".", 1)[-1].lower() if "." in name else "bin")[:10]
    return f"blobs/{sha256[:2]}/{sha256[2:4]}/{sha256}.{extension}"


def into_the_file_store(apps, schema_editor):
    IssuedRevision = apps.get_model("signing", "IssuedRevision")
    StoredFile = apps.get_model("core", "StoredFile")
    legacy_names = set()
    for record in IssuedRevision.objects.filter(file__startswith=LEGACY).iterator():
        stored = StoredFile.objects.filter(sha256=record.sha256).first()
        if stored is None:
            if not default_storage.exists(record.file):
                continue  # nothing to move; the record keeps naming what it named
            with default_storage.open(record.file, "rb") as fh:
                data = fh.read()
            if hashlib.sha256(data).hexdigest() != record.sha256:
                continue  # damaged: left where it is for an operator to look at
            path = _blob_path(record.sha256, record.file)
            if not default_storage.exists(path):
                default_storage.save(path, ContentFile(data))
            stored = StoredFile.objects.create(
                sha256=record.sha256,
                file=path,
                size=len(data),
                content_type=mimetypes.guess_type(record.file)[0] or "application/pdf",
                filename=record.file.rsplit("/", 1)[-1],
            )
        legacy_names.add(record.file)
        IssuedRevision.objects.filter(pk=record.pk).update(file=stored.file.name)
    for name in legacy_names:
        if not IssuedRevision.objects.filter(file=name).exists() and default_storage.exists(name):
            default_storage.delete(name)


class Migration(migrations.Migration):
    dependencies = [
        ("pledges", "0007_remove_campaign_target_districts"),
        ("signing", "0002_personal_signing"),
    ]

    operations = [migrations.RunPython(into_the_file_store, migrations.RunPython.noop)]
