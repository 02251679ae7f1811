import datetime as dt
import hashlib
import os
import signal
import subprocess
import sys
import time
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import connection, transaction

from core.files import blob_path, delete_orphan, find_orphans, store_file, stored_file_intact
from core.models import StoredFile
from core.storage import TEMP_PREFIX

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _own_media_root(settings, tmp_path):
    """A store of its own per test: the orphan sweep looks at every file in it."""
    settings.MEDIA_ROOT = str(tmp_path / "media")


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


# --- crash safety --------------------------------------------------------------------------------------------
def _full_path(stored: StoredFile) -> Path:
    return Path(default_storage.path(stored.file.name))


@pytest.mark.django_db
def test_a_file_cut_short_under_its_name_is_detected_and_rewritten_on_the_next_store():
    data = b"%PDF-1.7 " + bytes(range(256)) * 400
    stored = store_file(data, filename="cam-ket.pdf")
    path = _full_path(stored)
    path.write_bytes(data[:1000])  # what a write killed half-way left before files were written atomically
    assert not stored_file_intact(stored)

    again = store_file(data, filename="cam-ket.pdf")
    assert again.pk == stored.pk
    assert path.read_bytes() == data
    assert stored_file_intact(again)


@pytest.mark.django_db
def test_a_file_of_the_right_size_but_other_bytes_is_rewritten():
    data = b"A" * 5000
    stored = store_file(data, filename="a.bin")
    _full_path(stored).write_bytes(b"B" * 5000)
    store_file(data, filename="a.bin")
    assert _full_path(stored).read_bytes() == data


@pytest.mark.django_db
def test_a_missing_file_is_written_again():
    stored = store_file(b"gone", filename="g.txt")
    _full_path(stored).unlink()
    store_file(b"gone", filename="g.txt")
    assert stored.read() == b"gone"


@pytest.mark.django_db
def test_the_storage_leaves_no_temporary_file_and_never_overwrites_another_name():
    first = default_storage.save("blobs/xx/plain.txt", ContentFile(b"one"))
    second = default_storage.save("blobs/xx/plain.txt", ContentFile(b"two"))
    assert first == "blobs/xx/plain.txt" and second != first
    with default_storage.open(first) as fh:
        assert fh.read() == b"one"
    directory = Path(default_storage.path("blobs/xx"))
    assert not [p for p in directory.iterdir() if p.name.startswith(TEMP_PREFIX)]


def _age(path: Path, hours: float) -> None:
    old = time.time() - hours * 3600
    os.utime(path, (old, old))


def _orphan_command(*args: str) -> str:
    out = StringIO()
    call_command("orphan_files", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_a_rolled_back_store_leaves_only_an_orphan_that_the_command_removes_after_the_grace_period():
    kept = store_file(b"kept", filename="kept.pdf")
    _age(_full_path(kept), 48)
    with pytest.raises(RuntimeError), transaction.atomic():
        store_file(b"never committed", filename="lost.pdf")
        raise RuntimeError("crash before commit")
    assert not StoredFile.objects.filter(sha256=hashlib.sha256(b"never committed").hexdigest()).exists()
    orphan = Path(default_storage.path(blob_path(hashlib.sha256(b"never committed").hexdigest(), "lost.pdf")))
    assert orphan.exists()

    assert "0 orphan file(s)" in _orphan_command("--delete")  # younger than the grace period: kept
    assert orphan.exists()

    _age(orphan, 25)
    listed = _orphan_command()
    assert "1 orphan file(s)" in listed and orphan.name in listed and kept.file.name not in listed
    assert orphan.exists()  # listing alone removes nothing

    assert "1 removed" in _orphan_command("--delete")
    assert not orphan.exists()
    assert kept.read() == b"kept"


@pytest.mark.django_db
def test_an_orphan_stored_again_is_young_again_and_the_sweep_keeps_it():
    digest = hashlib.sha256(b"twice").hexdigest()
    with pytest.raises(RuntimeError), transaction.atomic():
        store_file(b"twice", filename="t.pdf")
        raise RuntimeError
    path = Path(default_storage.path(blob_path(digest, "t.pdf")))
    _age(path, 48)
    listed = find_orphans(grace=dt.timedelta(hours=24))
    assert [o.path for o in listed] == [blob_path(digest, "t.pdf")]
    # stored again between the sweep's listing and its deletion, by a transaction the sweep cannot see into
    with pytest.raises(RuntimeError), transaction.atomic():
        store_file(b"twice", filename="t.pdf")
        raise RuntimeError
    assert delete_orphan(listed[0]) is False
    assert path.read_bytes() == b"twice"


CRASH_BETWEEN_FILE_AND_ROW = """
import os, signal, sys
import django
django.setup()
from django.db import connection, transaction
from core.files import store_file
with transaction.atomic():
    store_file(sys.argv[1].encode(), filename="crash.pdf")
    os.kill(os.getpid(), signal.SIGKILL)  # the process dies before its transaction commits
"""


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_process_killed_between_file_and_row_leaves_an_orphan_never_a_row(on_postgres):
    s = connection.settings_dict
    content = f"killed-{time.time()}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.dev",
        "SECRET_KEY": "crash-test",
        "DEBUG": "false",
        "DATABASE_URL": f"postgres://{s['USER']}@{s['HOST']}:{s['PORT']}/{s['NAME']}",
        "MEDIA_ROOT": django_settings.MEDIA_ROOT,
    }
    proc = subprocess.run(
        [sys.executable, "-c", CRASH_BETWEEN_FILE_AND_ROW, content], cwd=ROOT, env=env, capture_output=True
    )
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    digest = hashlib.sha256(content.encode()).hexdigest()
    assert not StoredFile.objects.filter(sha256=digest).exists()
    path = Path(default_storage.path(blob_path(digest, "crash.pdf")))
    assert path.read_bytes() == content.encode()
    _age(path, 30)
    assert path.name in _orphan_command("--delete")
    assert not path.exists()
