"""The public verification pages, driven through Django's test client (no login)."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from signing import services
from tests.signing_support import sample_pdf

pytestmark = pytest.mark.django_db


def _record(*, pdf: bytes, **kwargs):
    """An issued revision as the applications record one: the PDF stored first, the record naming it."""
    name = default_storage.save(f"blobs/test/{hashlib.sha256(pdf).hexdigest()}.pdf", ContentFile(pdf))
    return services.record_issued_revision(pdf=pdf, file_name=name, **kwargs)


def _upload(client, data: bytes, name: str = "van-ban.pdf"):
    return client.post(reverse("signing:verify"), {"file": SimpleUploadedFile(name, data, "application/pdf")})


def test_upload_form_is_public(client):
    response = client.get(reverse("signing:verify"))
    assert response.status_code == 200
    assert "Xác thực văn bản điện tử" in response.content.decode()
    assert 'enctype="multipart/form-data"' in response.content.decode()


def test_upload_signed_pdf_shows_signer_time_level_and_issued_record(client, signed_bt):
    code = services.new_verification_code()
    _record(
        code=code,
        pdf=signed_bt,
        number="05/STTTT-TTr",
        subject="V/v tăng cường kiểm soát hàng cấm qua bưu chính",
        issuer="SỞ THÔNG TIN VÀ TRUYỀN THÔNG",
        issued_date=dt.date(2026, 3, 10),
        kind="cong_van",
    )
    response = _upload(client, signed_bt)
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-indication="TOTAL_PASSED"' in html
    assert "Nguyễn Quang Huy" in html
    assert "+07:00" in html
    assert "PAdES B-T" in html
    assert "05/STTTT-TTr" in html and "tăng cường kiểm soát" in html


def test_issued_record_is_found_from_a_later_revision(client, signed_bt, dev_p12):
    """A document issued at revision N is still recognised after someone adds a signature to it."""
    code = services.new_verification_code()
    _record(code=code, pdf=signed_bt, number="12/KH-STTTT", subject="Kế hoạch", issuer="Sở")
    p12, password = dev_p12("user-phogiamdoc")
    countersigned = services.sign_pdf_with_pkcs12(signed_bt, pkcs12=p12, password=password, level="B-B")
    html = _upload(client, countersigned).content.decode()
    assert "12/KH-STTTT" in html


@pytest.mark.parametrize(
    ("data", "status", "text"),
    [
        (b"PK\x03\x04zip", 200, "Không đọc được tệp"),
        (b"", 400, "rỗng"),
        (sample_pdf(1), 200, "Không có chữ ký số"),
    ],
)
def test_bad_uploads_get_a_vietnamese_verdict(client, data, status, text):
    response = _upload(client, data)
    assert response.status_code == status
    assert text in response.content.decode()


def test_100_mb_upload_is_refused_before_parsing(client):
    big = b"%PDF-1.7\n" + b"0" * (100 * 1024 * 1024)
    response = _upload(client, big, "lon.pdf")
    assert response.status_code == 413
    assert "Tệp quá lớn" in response.content.decode()


def test_record_page_shows_latest_revision_and_qr_url(client, signed_bt, settings):
    settings.SITE_URL = "https://vanthu.example.vn"
    code = services.new_verification_code()
    assert len(code) == 12 and code != services.new_verification_code()
    _record(code=code, pdf=sample_pdf(1), number="05/STTTT-TTr", subject="Bản nháp", issuer="Sở")
    _record(code=code, pdf=signed_bt, number="05/STTTT-TTr", subject="Bản ký", issuer="Sở")
    assert services.verification_url(code) == f"https://vanthu.example.vn/xac-thuc/{code}/"

    html = client.get(f"/xac-thuc/{code}/").content.decode()
    assert 'data-indication="TOTAL_PASSED"' in html
    assert "Nguyễn Quang Huy" in html
    assert client.get("/xac-thuc/khong-co-ma-nay/").status_code == 404


def test_dev_pki_http_services(client, signing_pki, signed_bt):
    from asn1crypto import crl, tsp
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.x509 import ocsp

    assert crl.CertificateList.load(client.get("/xac-thuc/pki/crl/root.crl").content)["tbs_cert_list"]
    assert client.get("/xac-thuc/pki/crl/none.crl").status_code == 404
    carrier_ca = signing_pki.load_cert("carrier-ca")
    root = signing_pki.load_cert("root")
    req = ocsp.OCSPRequestBuilder().add_certificate(carrier_ca, root, hashes.SHA1()).build()  # noqa: S303
    answer = client.post(
        "/xac-thuc/pki/ocsp/", req.public_bytes(serialization.Encoding.DER), content_type="application/ocsp-request"
    )
    assert ocsp.load_der_ocsp_response(answer.content).certificate_status == ocsp.OCSPCertStatus.GOOD
    ts_req = tsp.TimeStampReq(
        {
            "version": 1,
            "message_imprint": {"hash_algorithm": {"algorithm": "sha256"}, "hashed_message": b"\x01" * 32},
            "cert_req": True,
        }
    )
    reply = tsp.TimeStampResp.load(
        client.post("/xac-thuc/pki/tsa/", ts_req.dump(), content_type="application/timestamp-query").content
    )
    assert reply["status"]["status"].native == "granted"
    assert x509.load_pem_x509_certificate(client.get("/xac-thuc/pki/root.crt").content)


def test_dev_pki_http_services_are_off_in_production_mode(client, settings):
    settings.SIGNING_DEV_PKI = False
    assert client.get("/xac-thuc/pki/crl/root.crl").status_code == 404
    assert client.get("/xac-thuc/pki/root.crt").status_code == 404


def _line(html: str, name: str) -> str:
    start = html.index(f'data-line="{name}"')
    return html[html.rindex("<dd", 0, start) : html.index("</dd>", start)]


def test_a_valid_document_shows_the_passed_mark_and_both_lines_passed(client, signed_bt):
    html = _upload(client, signed_bt).content.decode()
    assert 'class="signing-verdict verdict-total_passed verdict--ok"' in html
    assert 'verdict-mark--ok" aria-hidden="true">✓' in html and "Hợp lệ" in html
    assert "verdict-line--ok" in _line(html, "integrity") and "không bị thay đổi" in _line(html, "integrity")
    assert "verdict-line--ok" in _line(html, "trust") and "✓" in _line(html, "trust")


def test_a_tampered_document_fails_on_its_own_line_and_the_certificate_stays_trusted(client, signed_bt):
    tampered = signed_bt.replace(b"trang 1/2", b"trang 9/2", 1)
    assert tampered != signed_bt
    html = _upload(client, tampered).content.decode()
    assert "verdict--bad" in html and 'verdict-mark--bad" aria-hidden="true">✗' in html and "Không hợp lệ" in html
    integrity, trust = _line(html, "integrity"), _line(html, "trust")
    assert "verdict-line--bad" in integrity and "bị sửa" in integrity and "✗" in integrity
    assert "verdict-line--ok" in trust and "Có — chứng thư số do tổ chức chứng thực được tin cậy cấp" in trust


def test_an_unknown_authority_is_unknown_overall_and_fails_only_the_trust_line(client, signed_bt, settings):
    settings.SIGNING_DEV_PKI = False  # the development root that issued the signer's certificate is not trusted
    html = _upload(client, signed_bt).content.decode()
    assert "verdict--unknown" in html and 'verdict-mark--unknown" aria-hidden="true">?' in html
    assert "verdict-line--ok" in _line(html, "integrity")
    assert "verdict-line--bad" in _line(html, "trust") and "không dẫn tới" in _line(html, "trust")
