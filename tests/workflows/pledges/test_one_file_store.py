"""A signed PDF is stored once: the public verification records name the file the pledge already holds."""

from __future__ import annotations

import hashlib
import importlib

import pytest
from django.apps import apps
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from core.files import store_file
from core.models import StoredFile
from signing.devpki import signature_png
from signing.models import IssuedRevision
from workflows.pledges.models import Pledge
from workflows.pledges.services import answers

migration = importlib.import_module("workflows.pledges.migrations.0008_issued_revisions_in_the_file_store")


def test_the_countersigned_pledge_and_its_certificate_are_kept_once(
    pledges, helpers, django_capture_on_commit_callbacks
):
    pledge = pledges[0]
    with django_capture_on_commit_callbacks(execute=True):
        answers.sign_simple(
            pledge=pledge,
            typed_name="Nguyễn Văn Bình",
            signature_png=signature_png("Bình"),
            code=helpers.fresh_sign_code(pledge),
        )
    pledge = Pledge.objects.get(pk=pledge.pk)
    assert pledge.countersigned_pdf_id, pledge.countersign_error
    for stored in (pledge.issued_pdf, pledge.countersigned_pdf, pledge.certificate_pdf):
        assert IssuedRevision.objects.get(sha256=stored.sha256).file == stored.file.name
    assert not IssuedRevision.objects.exclude(file__startswith="blobs/").exists()
    assert not default_storage.exists("signing/issued")


@pytest.mark.django_db
def test_the_migration_points_old_records_at_the_file_store_and_removes_their_copies():
    shared = b"%PDF-1.7 sealed dispatch"
    only_here = b"%PDF-1.7 certificate kept only by signing"
    stored = store_file(shared, filename="cong-van.pdf")
    old = {}
    for data in (shared, only_here):
        sha = hashlib.sha256(data).hexdigest()
        name = default_storage.save(f"signing/issued/{sha}.pdf", ContentFile(data))
        old[data] = IssuedRevision.objects.create(code=f"c{sha[:8]}", sha256=sha, size=len(data), file=name)

    migration.into_the_file_store(apps, None)

    first, second = (IssuedRevision.objects.get(pk=old[d].pk) for d in (shared, only_here))
    assert first.file == stored.file.name
    copied = StoredFile.objects.get(sha256=hashlib.sha256(only_here).hexdigest())
    assert second.file == copied.file.name and copied.read() == only_here
    for record in old.values():
        assert not default_storage.exists(record.file)
