import hashlib

import pytest

from core.files import store_file
from core.models import StoredFile


@pytest.mark.django_db
def test_same_bytes_are_stored_once_under_their_hash():
    data = b"%PDF-1.7 example"
    first = store_file(data, filename="cong-van.pdf")
    second = store_file(data, filename="other-name.pdf")
    assert first.pk == second.pk
    assert StoredFile.objects.count() == 1
    assert first.sha256 == hashlib.sha256(data).hexdigest()
    assert first.file.name.endswith(f"{first.sha256}.pdf")
    assert first.content_type == "application/pdf"
    assert first.read() == data


@pytest.mark.django_db
def test_different_bytes_get_different_files():
    a = store_file(b"a", filename="a.docx")
    b = store_file(b"b", filename="a.docx")
    assert a.file.name != b.file.name
    assert b.read() == b"b"
