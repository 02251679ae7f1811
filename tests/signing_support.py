"""Helpers for tests and benchmarks of any app: a plain PDF builder and pytest fixtures for signing keys.

Registered as a pytest plugin in `tests/conftest.py` (kept out of the production package); fixtures:
- `signing_pki` (session): the development PKI of this test session (a temp dir from `config.settings.test`).
- `signing_keys` (db): the key records `org-seal`, `org-system`, `user-giamdoc`, `user-phogiamdoc`
  (owned by users `giamdoc` / `phogiamdoc` when they exist when the fixture runs).
"""

from __future__ import annotations

import pytest

__all__ = ["sample_pdf", "signing_keys", "signing_pki"]


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
