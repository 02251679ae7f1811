"""Reports that show their reasoning: the certification path to the anchor (with the trust store entry each
certificate matched), the time the verdict is for, the evidence of time, and an explanation of the sub-indication
with its dates — in `validate_pdf`, `verify_pdf --json`, and the public page in Vietnamese and English."""

from __future__ import annotations

import datetime as dt
import io
import json
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation

from signing import explain, services
from signing.trust import store
from tests.signing.trust_support import leaf_only_pdf
from tests.signing_support import sample_pdf

pytestmark = pytest.mark.django_db

LIFETIME = dt.timedelta(seconds=6)


@pytest.fixture(scope="module")
def expired_after_signing(signing_pki):
    """B-B without time-stamp by a certificate that was valid when it signed and has expired since."""
    not_after = dt.datetime.now(dt.UTC).replace(microsecond=0) + LIFETIME
    signed, cert = leaf_only_pdf(signing_pki, sample_pdf(1), issuer="root", not_after=not_after)
    while dt.datetime.now(dt.UTC) <= not_after + dt.timedelta(seconds=1):
        time.sleep(0.2)
    return signed, not_after


@pytest.fixture(scope="module")
def via_store(signing_pki):
    return leaf_only_pdf(signing_pki, sample_pdf(1))[0]


def _vn(iso: str) -> str:
    return dt.datetime.fromisoformat(iso).astimezone(dt.timezone(dt.timedelta(hours=7))).strftime("%d/%m/%Y %H:%M:%S")


def test_out_of_bounds_no_poe_says_valid_when_signed_expired_since_no_proof_of_time(expired_after_signing):
    signed, not_after = expired_after_signing
    report = services.validate_pdf(signed)
    sig = report.signatures[0]
    assert (sig.indication, sig.sub_indication) == ("INDETERMINATE", "OUT_OF_BOUNDS_NO_POE")
    assert dt.datetime.fromisoformat(sig.signing_time) < not_after
    assert dt.datetime.fromisoformat(sig.signer_not_after) == not_after
    assert sig.verdict_time_basis == "VALIDATION_TIME" and sig.time_evidence == []
    assert dt.datetime.fromisoformat(sig.verdict_time) > not_after
    signed_at, expired_on = _vn(sig.signing_time), _vn(sig.signer_not_after)
    with translation.override("vi"):
        reason = explain.signature_reason(sig)
    assert f"còn hiệu lực vào thời điểm ký được khai báo ({signed_at} (UTC+07:00))" in reason
    assert f"đã hết hạn ngày {expired_on} (UTC+07:00)" in reason
    assert "không có dấu thời gian, không có dữ liệu kiểm tra dài hạn LTV" in reason
    assert "chưa có hiệu lực" not in reason
    with translation.override("en"):
        english = explain.signature_reason(sig)
    assert f"valid at the claimed signing time ({signed_at} (UTC+07:00))" in english
    assert f"expired on {expired_on} (UTC+07:00)" in english and "no proof of time" in english


def test_the_path_names_each_certificate_and_the_store_entry_it_matched(signing_pki, via_store):
    store.import_bundle(data=signing_pki.cert_path("carrier-ca").read_bytes(), filename="carrier-ca.pem")
    sig = services.validate_pdf(via_store).signatures[0]
    assert sig.indication == "TOTAL_PASSED" and sig.anchored
    path = sig.certification_path
    assert [e["position"] for e in path] == ["SIGNER", "INTERMEDIATE", "ANCHOR"]
    assert [e["subject_cn"] for e in path] == ["Trần Thị Lan", "vanthu Dev Carrier CA", "vanthu Dev Root CA"]
    assert [e["store_entry"] for e in path] == ["", "carrier-ca.pem", "development PKI"]
    assert path[0]["issuer"] == path[1]["subject"] and path[1]["issuer"] == path[2]["subject"]
    assert path[0]["serial"] == sig.signer_serial and len(path[1]["sha256"]) == 64
    assert path[1]["not_before"] < path[1]["not_after"]


def test_an_untrusted_signer_is_shown_without_an_anchor(via_store):
    sig = services.validate_pdf(via_store).signatures[0]
    assert sig.sub_indication == "NO_CERTIFICATE_CHAIN_FOUND" and not sig.anchored
    assert [e["position"] for e in sig.certification_path] == ["UNANCHORED"]


def test_verify_pdf_json_has_path_verdict_time_and_evidence(signed_bt, tmp_path):
    path = tmp_path / "bt.pdf"
    path.write_bytes(signed_bt)
    out = io.StringIO()
    with pytest.raises(SystemExit):
        call_command("verify_pdf", str(path), "--json", stdout=out)
    sig = json.loads(out.getvalue())["signatures"][0]
    assert sig["verdict_time_basis"] == "SIGNATURE_TIMESTAMP" and sig["verdict_time"] == sig["timestamp_time"]
    assert "dấu thời gian của chữ ký" in sig["verdict_time_label"]
    assert [e["kind"] for e in sig["time_evidence"]] == ["SIGNATURE_TIMESTAMP"]
    assert sig["time_evidence"][0]["label"].startswith("Dấu thời gian của chữ ký: ")
    assert [e["position"] for e in sig["certification_path"]] == ["SIGNER", "ANCHOR"]
    anchor = sig["certification_path"][-1]
    assert anchor["store_entry"] == "development PKI" and anchor["position_label"] == "Gốc tin cậy"
    for key in ("subject", "issuer", "serial", "not_before", "not_after", "sha256"):
        assert anchor[key]
    out = io.StringIO()
    with pytest.raises(SystemExit):
        call_command("verify_pdf", str(path), "--json", "--language", "en", stdout=out)
    sig = json.loads(out.getvalue())["signatures"][0]
    assert sig["certification_path"][-1]["position_label"] == "Trust root"
    assert sig["time_evidence"][0]["label"].startswith("Signature timestamp: ")


def test_b_lt_evidence_lists_the_dss_added_after_signing(signed_blt):
    sig = services.validate_pdf(signed_blt).signatures[0]
    kinds = {e["kind"]: e for e in sig.time_evidence}
    assert kinds["DSS"]["after_signature"] and kinds["DSS"]["ocsps"] >= 1
    assert "SIGNATURE_TIMESTAMP" in kinds


def _upload(client, data: bytes, **extra):
    file = SimpleUploadedFile("van-ban.pdf", data, "application/pdf")
    return client.post(reverse("signing:verify"), {"file": file}, **extra)


def test_public_page_shows_the_path_and_the_out_of_bounds_explanation(
    client, signing_pki, via_store, expired_after_signing
):
    store.import_bundle(data=signing_pki.cert_path("carrier-ca").read_bytes(), filename="carrier-ca.pem")
    html = _upload(client, via_store).content.decode()
    assert "Chuỗi chứng thư" in html and "CA trung gian" in html and "Gốc tin cậy" in html
    assert "vanthu Dev Carrier CA" in html and "carrier-ca.pem" in html and "development PKI" in html
    assert "Kết luận cho thời điểm" in html and "thời điểm kiểm tra" in html
    html = _upload(client, expired_after_signing[0]).content.decode()
    assert "còn hiệu lực vào thời điểm ký được khai báo" in html and "đã hết hạn ngày" in html


@pytest.fixture
def back_to_vietnamese():
    """The locale middleware leaves the request's language active in this thread: restore the default."""
    yield
    translation.activate("vi")


def test_english_page_explains_in_english(client, signing_pki, expired_after_signing, signed_bt, back_to_vietnamese):
    html = _upload(client, expired_after_signing[0], HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "valid at the claimed signing time" in html and "no proof of time" in html
    assert "Certification path" in html and "còn hiệu lực" not in html
    html = _upload(client, signed_bt, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Signature timestamp: " in html and "Trust root" in html
