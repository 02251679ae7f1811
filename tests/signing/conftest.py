"""Signing test fixtures: one dev PKI per session (see `tests/signing_support.py`), PDFs built once, checkers."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.signing_support import sample_pdf


@pytest.fixture(scope="session")
def pdf2() -> bytes:
    return sample_pdf(2)


@pytest.fixture(scope="session")
def dev_p12(signing_pki):
    """(PKCS#12 bytes, password) of a dev key, without touching the DB: `dev_p12("user-giamdoc")`."""
    from signing.demo import DEV_KEYS

    def _get(key_id: str) -> tuple[bytes, bytes]:
        username, name, _ = DEV_KEYS.get(key_id, ("", key_id, ""))
        key = signing_pki.ensure_key(key_id, common_name=name or key_id, organisation="Sở TT&TT")
        return key.p12_path.read_bytes(), key.password_path.read_bytes().strip()

    return _get


@pytest.fixture(scope="session")
def signed_bt(signing_pki, dev_p12, pdf2) -> bytes:
    """A B-T signed 2-page PDF made once per session (no DB needed)."""
    from signing.services import sign_pdf_with_pkcs12

    p12, password = dev_p12("user-giamdoc")
    return sign_pdf_with_pkcs12(pdf2, pkcs12=p12, password=password, level="B-T", appearance="text")


@pytest.fixture(scope="session")
def signed_blt(signing_pki, dev_p12, pdf2) -> bytes:
    from signing.services import sign_pdf_with_pkcs12

    p12, password = dev_p12("user-giamdoc")
    return sign_pdf_with_pkcs12(pdf2, pkcs12=p12, password=password, level="B-LT", appearance="none")


def run_pdfsig(path: Path) -> str:
    proc = subprocess.run(["pdfsig", "-nocert", str(path)], capture_output=True, text=True, timeout=60)
    return proc.stdout + proc.stderr


def run_qpdf_check(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run(["qpdf", "--check", str(path)], capture_output=True, text=True, timeout=60)


@pytest.fixture
def checked(tmp_path):
    """checked(pdf_bytes) -> pdfsig output, after asserting pdfsig and qpdf accept every signature."""

    def _check(data: bytes, *, expected_signatures: int | None = None, dss_after_last: bool = False) -> str:
        """Every CMS signature "Signature is Valid" (document time-stamps are not checked by pdfsig), the last
        block "Total document signed" (or, for B-LT, only a DSS update after it), and `qpdf --check` clean."""
        path = tmp_path / "checked.pdf"
        path.write_bytes(data)
        out = run_pdfsig(path)
        blocks = out.split("Signature #")[1:]
        regular = [b for b in blocks if "Signature Type: unknown" not in b]
        assert regular, out
        for block in regular:
            assert "Signature Validation: Signature is Valid" in block, out
        if expected_signatures is not None:
            assert len(regular) == expected_signatures, out
        if dss_after_last:
            assert "Not total document signed" in blocks[-1], out
        else:
            assert "Total document signed" in blocks[-1], out
        qpdf = run_qpdf_check(path)
        assert qpdf.returncode == 0, qpdf.stdout + qpdf.stderr
        return out

    return _check
