"""Helpers for tests and benchmarks of any app: a plain PDF builder and pytest fixtures for signing keys.

Registered as a pytest plugin in `tests/conftest.py` (kept out of the production package); fixtures:
- `signing_pki` (session): the development PKI of this test session (a temp dir from `config.settings.test`).
- `signing_keys` (db): the key records `org-seal`, `org-system`, `user-giamdoc`, `user-phogiamdoc`
  (owned by users `giamdoc` / `phogiamdoc` when they exist when the fixture runs, then under the dev signing PIN).
- `csc_server` (session): the development CSC provider (`signing.devcsc`, v1 and v2) with the accounts HUY and
  MINH; `remote_provider`: the settings that make it the remote provider (CSC v2) and its TSA the TSA.
"""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from signing import devcsc

__all__ = [
    "HUY",
    "MINH",
    "CscServer",
    "csc_dir",
    "csc_server",
    "remote_provider",
    "sample_pdf",
    "signing_keys",
    "signing_pki",
]


def sample_pdf(pages: int = 2, *, title: str = "Cong van so 05/STTTT-TTr", catalog_extra: bytes = b"") -> bytes:
    """A small, valid A4 PDF (classic xref table, Helvetica) with `pages` pages of text.

    `catalog_extra` is spliced into the document catalog (e.g. an /OpenAction for hostile-input tests)."""
    objects: list[bytes] = []

    def add(body: bytes) -> int:
        objects.append(body)
        return len(objects)

    catalog = add(b"")  # placeholder, filled below
    pages_obj = add(b"")
    font = add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    kids = []
    for n in range(pages):
        lines = [f"{title} - trang {n + 1}/{pages}"] + [f"Noi dung dong {i + 1} cua van ban mau." for i in range(30)]
        text = (
            b"BT /F1 12 Tf 85 780 Td 16 TL " + b" ".join(b"(%s) '" % line.encode("latin-1") for line in lines) + b" ET"
        )
        content = add(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(text), text))
        page = add(
            b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 595.28 841.89] /Resources << /Font << /F1 %d 0 R >> >> "
            b"/Contents %d 0 R >>" % (pages_obj, font, content)
        )
        kids.append(page)
    objects[catalog - 1] = b"<< /Type /Catalog /Pages %d 0 R %s>>" % (pages_obj, catalog_extra)
    objects[pages_obj - 1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (
        b" ".join(b"%d 0 R" % k for k in kids),
        len(kids),
    )
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (i, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % off for off in offsets)
    out += b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, catalog, xref)
    return bytes(out)


@pytest.fixture(scope="session")
def signing_pki():
    from django.conf import settings

    from signing.devpki import DevPki

    pki = DevPki(settings.SIGNING_DEV_PKI_DIR, base_url=settings.SITE_URL, agency=settings.SIGNING_DEV_AGENCY_NAME)
    pki.ensure()
    return pki


@pytest.fixture
def signing_keys(db, signing_pki):
    from signing.demo import init_pki

    return {record.key_id: record for record in init_pki()}


# --- the development remote signing provider (signing.devcsc) on loopback, for any app's tests ----------------
ROOT = Path(__file__).resolve().parents[1]
CLIENT_ID, CLIENT_SECRET = "vanthu-test", "test-client-secret"
HUY = devcsc.DevAccount(
    user_id="001085001234",
    common_name="Nguyễn Quang Huy",
    credentials=("huy",),
    pin="24681357",
    organisation="Sở Khoa học và Công nghệ",
    uid="CCCD:001085001234",
)
MINH = devcsc.DevAccount(user_id="001090005678", common_name="Hoàng Văn Minh", credentials=("minh",), otp="918273")


class CscServer:
    """`python -m signing.devcsc DIR` as a child process on a free loopback port."""

    def __init__(self, directory: Path, *, sad_lifetime: int | None = None, api: str = "v1,v2"):
        args = [sys.executable, "-m", "signing.devcsc", str(directory), "--api", api]
        if sad_lifetime is not None:
            args += ["--sad-lifetime", str(sad_lifetime)]
        self.log = directory / f"server-{sad_lifetime}-{api}.log"
        with self.log.open("w") as log:  # a file, not a pipe: the server logs every refusal it makes
            self.proc = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.PIPE, stderr=log, text=True)
        line = self.proc.stdout.readline()
        self.proc.stdout.close()
        if not line.startswith("READY "):
            self.proc.kill()
            self.proc.wait()
            raise RuntimeError(f"devcsc did not start: {line!r} {self.log.read_text()[-2000:]}")
        self.url = line.split()[1]
        self.root_der = devcsc.root_certificate_der(directory)

    def calls(self) -> dict[str, int]:
        with urllib.request.urlopen(f"{self.url}/_dev/calls", timeout=10) as response:
            return json.load(response)

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)


@pytest.fixture(scope="session")
def csc_dir(tmp_path_factory) -> Path:
    return devcsc.ensure(
        tmp_path_factory.mktemp("csc"), accounts=[HUY, MINH], client_id=CLIENT_ID, client_secret=CLIENT_SECRET
    )


@pytest.fixture(scope="session")
def csc_server(csc_dir):
    server = CscServer(csc_dir)
    yield server
    server.stop()


@pytest.fixture
def remote_provider(settings, csc_server):
    """The settings that make `csc_server` the remote provider (CSC v2), its TSA the TSA."""
    settings.SIGNING_CSC_URL = csc_server.url
    settings.SIGNING_CSC_PROVIDER = "devcsc"
    settings.SIGNING_CSC_AUTH = "client_credentials"
    settings.SIGNING_CSC_CLIENT_ID = CLIENT_ID
    settings.SIGNING_CSC_CLIENT_SECRET = CLIENT_SECRET
    settings.SIGNING_CSC_TIMEOUT = 10
    settings.SIGNING_CSC_API_VERSION = "v2"
    settings.SIGNING_TSA_URL = devcsc.tsa_url(csc_server.url)  # B-T: the provider PKI's TSA
    return csc_server
