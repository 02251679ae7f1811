"""Validation verdicts: good, tampered, modified, untrusted, revoked, foreign-signed and hostile input."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import time
import zipfile
import zlib
from io import BytesIO

import pytest
from django.core.management import call_command

from signing import explain, services
from signing.devpki import DevPki, issue_carrier_certificate
from tests.signing_support import sample_pdf

pytestmark = pytest.mark.django_db


def _exit_code_of(*args) -> tuple[int, str]:
    out = io.StringIO()
    with pytest.raises(SystemExit) as exc:
        call_command("verify_pdf", *args, stdout=out)
    return exc.value.code, out.getvalue()


def test_good_b_t_passes_with_report_fields(signed_bt, tmp_path):
    report = services.validate_pdf(signed_bt)
    assert (report.indication, report.exit_code) == ("TOTAL_PASSED", 0)
    data = explain.report_data(report)
    sig = data["signatures"][0]
    for key in (
        "field_name",
        "signer_common_name",
        "signer_organisation",
        "signer_serial",
        "signer_uid",
        "signing_time",
        "timestamp_time",
        "intact",
        "valid",
        "trusted",
        "revoked",
        "coverage",
        "modification_level",
        "pades_level",
        "indication",
        "sub_indication",
        "reason",
        "signed_revision_bytes_sha256",
    ):
        assert key in sig
    assert sig["coverage"] == "ENTIRE_FILE" and sig["modification_level"] == "NONE"
    assert sig["timestamp_time"].endswith("+07:00")
    assert "hợp lệ" in sig["reason"]
    path = tmp_path / "good.pdf"
    path.write_bytes(signed_bt)
    code, out = _exit_code_of(str(path), "--json")
    assert code == 0
    assert json.loads(out)["file_sha256"] == report.file_sha256


def test_tampered_bytes_fail(signed_bt, tmp_path):
    tampered = signed_bt.replace(b"trang 1/2", b"trang 9/2", 1)
    assert tampered != signed_bt
    report = services.validate_pdf(tampered)
    assert (report.indication, report.exit_code) == ("TOTAL_FAILED", 1)
    assert report.signatures[0].intact is False
    path = tmp_path / "tampered.pdf"
    path.write_bytes(tampered)
    assert _exit_code_of(str(path))[0] == 1


def test_content_changed_after_signing_fails(signed_bt):
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    writer = IncrementalPdfFileWriter(BytesIO(signed_bt), strict=False)
    extra = writer.add_object(generic.StreamObject(stream_data=b"BT /F1 40 Tf 100 400 Td (DA SUA) Tj ET"))
    writer.add_stream_to_page(0, extra)
    out = BytesIO()
    writer.write(out)

    report = services.validate_pdf(out.getvalue())
    assert (report.indication, report.exit_code) == ("TOTAL_FAILED", 1)
    sig = report.signatures[0]
    assert sig.intact and sig.valid  # the signed bytes are untouched, the later revision is not allowed
    assert sig.modification_level == "OTHER"
    assert "sửa đổi" in explain.signature_reason(sig)


def test_untrusted_root_is_indeterminate(signed_bt, tmp_path):
    other = DevPki(tmp_path / "other")
    other.ensure()
    report = services.validate_pdf(signed_bt, trust_roots=[other.cert_path("root").read_bytes()])
    assert (report.indication, report.exit_code) == ("INDETERMINATE", 2)
    assert report.signatures[0].trusted is False
    path = tmp_path / "doc.pdf"
    path.write_bytes(signed_bt)
    assert _exit_code_of(str(path), "--trust-root", str(other.cert_path("root")))[0] == 2


def test_revoked_certificate_is_indeterminate(signing_pki, pdf2):
    from cryptography.hazmat.primitives.serialization import pkcs12

    p12, password = issue_carrier_certificate(name="Bưu cục bị thu hồi", tax_code="4900000001")
    cert = pkcs12.load_key_and_certificates(p12, password)[1]
    signing_pki.revoke(cert.serial_number)
    signed = services.sign_pdf_with_pkcs12(pdf2, pkcs12=p12, password=password, level="B-T")

    report = services.validate_pdf(signed)
    assert report.indication == "INDETERMINATE", report.to_dict()
    assert report.signatures[0].revoked is True
    assert report.signatures[0].sub_indication == "REVOKED"


def test_b_lt_keeps_validating_with_embedded_revocation_data(signed_blt):
    report = services.validate_pdf(signed_blt)
    assert report.indication == "TOTAL_PASSED", report.to_dict()
    assert report.signatures[0].pades_level == "B-LT"


def test_pdf_signed_by_poppler_pdfsig_validates(signing_pki, dev_p12, pdf2, tmp_path):
    nss = tmp_path / "nss"
    nss.mkdir()
    p12, password = dev_p12("user-phogiamdoc")
    (tmp_path / "k.p12").write_bytes(p12)
    subprocess.run(["certutil", "-N", "-d", f"sql:{nss}", "--empty-password"], check=True, capture_output=True)
    subprocess.run(
        ["pk12util", "-i", str(tmp_path / "k.p12"), "-d", f"sql:{nss}", "-W", password.decode()],
        check=True,
        capture_output=True,
    )
    listing = subprocess.run(["certutil", "-L", "-d", f"sql:{nss}"], check=True, capture_output=True, text=True)
    nick = next(line for line in listing.stdout.splitlines() if line.rstrip().endswith("u,u,u")).rsplit(None, 1)[0]
    (tmp_path / "in.pdf").write_bytes(pdf2)
    subprocess.run(
        [
            "pdfsig",
            "-add-signature",
            "-nssdir",
            f"sql:{nss}",
            "-nick",
            nick,
            str(tmp_path / "in.pdf"),
            str(tmp_path / "out.pdf"),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )

    report = services.validate_pdf((tmp_path / "out.pdf").read_bytes())
    assert report.indication == "TOTAL_PASSED", report.to_dict()
    assert report.signatures[0].signer_common_name == "Hoàng Văn Minh"


def _zip_bytes() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("word/document.xml", "<w:document/>")
    return buf.getvalue()


def _bomb_pdf() -> bytes:
    """A PDF whose only object lives in an object stream that inflates to 200 MiB."""
    comp = zlib.compressobj(9)
    header = b"1 0 "
    chunks = [comp.compress(header + b"<< /Type /Catalog /Pages 2 0 R >>")]
    block = b" " * (1 << 20)
    chunks += [comp.compress(block) for _ in range(200)]
    chunks.append(comp.flush())
    data = b"".join(chunks)
    objstm = b"<< /Type /ObjStm /N 1 /First %d /Filter /FlateDecode /Length %d >>\nstream\n" % (len(header), len(data))
    body = bytearray(b"%PDF-1.7\n")
    off3 = len(body)
    body += b"3 0 obj\n" + objstm + data + b"\nendstream\nendobj\n"
    xref = len(body)
    body += b"xref\n0 4\n0000000000 65535 f \n0000000000 65535 f \n0000000000 65535 f \n%010d 00000 n \n" % off3
    body += b"trailer\n<< /Size 4 /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % xref
    return bytes(body)


def _deeply_nested_pdf() -> bytes:
    return sample_pdf(1, catalog_extra=b"/X " + b"[" * 200_000 + b"]" * 200_000 + b" ")


def _javascript_pdf() -> bytes:
    return sample_pdf(1, catalog_extra=b"/OpenAction << /S /JavaScript /JS (app.alert\\(1\\)) >> ")


@pytest.mark.parametrize(
    ("name", "make", "indication"),
    [
        ("empty", lambda s: b"", "UNREADABLE"),
        ("zip named .pdf", lambda s: _zip_bytes(), "UNREADABLE"),
        ("truncated", lambda s: s[: len(s) // 2], "UNREADABLE"),
        ("decompression bomb", lambda s: _bomb_pdf(), "UNREADABLE"),
        ("deep nesting", lambda s: _deeply_nested_pdf(), None),
        ("javascript", lambda s: _javascript_pdf(), "NO_SIGNATURE"),
        ("unsigned", lambda s: sample_pdf(1), "NO_SIGNATURE"),
        ("over the upload limit", lambda s: b"%PDF-1.7\n" + b"0" * (100 * 1024 * 1024), "UNREADABLE"),
    ],
)
def test_hostile_input_gets_a_verdict_quickly(signed_bt, name, make, indication):
    data = make(signed_bt)
    services.validate_pdf(sample_pdf(1))  # the worker is warm, as it is on a running server
    started = time.monotonic()
    report = services.validate_pdf(data)
    elapsed = time.monotonic() - started

    assert elapsed < 2.0, f"{name}: {elapsed:.2f}s"
    if indication is not None:
        assert report.indication == indication, report.to_dict()
    else:
        assert report.indication in ("UNREADABLE", "NO_SIGNATURE")
    assert explain.report_reason(report)
    expected_exit = {"UNREADABLE": 3, "NO_SIGNATURE": 4}[report.indication]
    assert report.exit_code == expected_exit


def test_worker_timeout_is_a_verdict_and_the_worker_recovers(signed_bt, settings):
    settings.SIGNING_VALIDATION_TIMEOUT = 0.001
    report = services.validate_pdf(signed_bt)
    assert report.indication == "UNREADABLE"
    assert "thời gian" in explain.report_reason(report)
    settings.SIGNING_VALIDATION_TIMEOUT = 10
    assert services.validate_pdf(signed_bt).indication == "TOTAL_PASSED"


def test_verify_pdf_command_line(signing_pki, signed_bt, tmp_path):
    """The real CLI in a fresh process: exit status and one JSON object on stdout."""
    path = tmp_path / "doc.pdf"
    path.write_bytes(signed_bt)
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", "SIGNING_DEV_PKI_DIR": str(signing_pki.dir)}
    root = str(signing_pki.cert_path("root"))
    proc = subprocess.run(
        [sys.executable, "manage.py", "verify_pdf", str(path), "--trust-root", root, "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout.strip().splitlines()[-1])
    assert data["indication"] == "TOTAL_PASSED"
    assert data["signatures"][0]["signer_common_name"] == "Nguyễn Quang Huy"
    assert data["exit_code"] == 0


def test_verify_pdf_exit_codes_3_and_4(tmp_path):
    (tmp_path / "unsigned.pdf").write_bytes(sample_pdf(1))
    (tmp_path / "fake.pdf").write_bytes(_zip_bytes())
    assert _exit_code_of(str(tmp_path / "unsigned.pdf"))[0] == 4
    code, out = _exit_code_of(str(tmp_path / "fake.pdf"), "--json")
    assert code == 3 and json.loads(out)["indication"] == "UNREADABLE"


def test_encrypted_pdf_is_unreadable_without_password(signed_bt, tmp_path):
    (tmp_path / "in.pdf").write_bytes(sample_pdf(1))
    subprocess.run(
        ["qpdf", "--encrypt", "user-pw", "owner-pw", "256", "--", str(tmp_path / "in.pdf"), str(tmp_path / "enc.pdf")],
        check=True,
    )
    report = services.validate_pdf((tmp_path / "enc.pdf").read_bytes())
    assert (report.indication, report.exit_code) == ("UNREADABLE", 3)
    assert "mã hóa" in explain.report_reason(report)
