"""Method c (offline signing + upload) and method b (PKCS#12 in memory): accepted only for the right pledge."""

from __future__ import annotations

import pytest

from core.models import AuditEntry
from workflows.pledges.errors import PledgeError
from workflows.pledges.models import Pledge
from workflows.pledges.services import answers

from .conftest import offline_sign


def _refused(pledge: Pledge, data: bytes, match: str) -> None:
    with pytest.raises(PledgeError, match=match):
        answers.accept_upload(pledge=pledge, data=data)
    pledge.refresh_from_db()
    assert pledge.status == Pledge.Status.PENDING and pledge.signed_pdf_id is None


def test_offline_signed_pledge_is_accepted(pledges, carrier_certificates):
    pledge = pledges[0]
    signed = offline_sign(pledge.issued_pdf.read(), carrier_certificates[pledge.carrier.tax_code])
    outcome = answers.accept_upload(pledge=pledge, data=signed)
    assert not outcome.already
    pledge.refresh_from_db()
    assert pledge.status == Pledge.Status.SIGNED and pledge.method == Pledge.Method.OFFLINE
    assert pledge.signed_pdf.read() == signed
    assert pledge.signer_detail["matched_by"] == "tax_code" and pledge.signer_detail["uid"] == "MST:4900100001"


def test_wrong_uploads_are_refused_with_the_reason(pledges, carrier_certificates, untrusted_certificate):
    mine, other = pledges[0], pledges[1]
    own_cert = carrier_certificates[mine.carrier.tax_code]
    issued = mine.issued_pdf.read()

    _refused(mine, b"hello", "không phải tệp PDF")
    _refused(mine, issued, "chưa có chữ ký số")
    _refused(mine, offline_sign(other.issued_pdf.read(), own_cert), "phát hành cho «Viettel Post Lạng Sơn»")
    modified = issued.replace(b"/Producer", b"/Producer ", 1) if b"/Producer" in issued else issued + b"\n% edited\n"
    assert modified != issued
    _refused(mine, offline_sign(modified, own_cert), "khác với bản cam kết")
    _refused(mine, offline_sign(issued + b"\n%% them noi dung\n", own_cert), "thêm nội dung")
    _refused(mine, offline_sign(issued, carrier_certificates[other.carrier.tax_code]), r"MST: 4900100002\), không phải")
    signed = bytearray(offline_sign(issued, own_cert))
    position = len(issued) // 2
    signed[position] = (signed[position] + 1) % 256  # a change inside the signed bytes
    _refused(mine, bytes(signed), "không hợp lệ|khác với bản cam kết")
    _refused(mine, offline_sign(issued, untrusted_certificate), "không do tổ chức")
    assert AuditEntry.objects.filter(code="workflows.pledges.upload_refused").count() == 8


def test_pkcs12_signature_is_used_once_and_checked(pledges, carrier_certificates):
    pledge = pledges[0]
    pkcs12, password = carrier_certificates[pledge.carrier.tax_code]
    with pytest.raises(PledgeError, match="khóa ký|mật khẩu"):
        answers.sign_with_pkcs12(pledge=pledge, pkcs12=pkcs12, password=b"wrong")
    other_pkcs12, other_password = carrier_certificates[pledges[1].carrier.tax_code]
    with pytest.raises(PledgeError, match="không phải cho"):
        answers.sign_with_pkcs12(pledge=pledge, pkcs12=other_pkcs12, password=other_password)
    outcome = answers.sign_with_pkcs12(pledge=pledge, pkcs12=pkcs12, password=password)
    pledge.refresh_from_db()
    assert not outcome.already and pledge.method == Pledge.Method.PKCS12
    assert pkcs12 not in pledge.signed_pdf.read()
