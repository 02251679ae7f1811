"""Signing for real with pyHanko against the session's development PKI; checked by pdfsig, qpdf and our validator."""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.serialization import pkcs12

from signing import services
from signing.devpki import DevPki, issue_carrier_certificate
from signing.errors import InvalidInput, KeyUnavailable, RevocationUnavailable, SigningError

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("level", ["B-B", "B-T", "B-LT", "B-LTA"])
def test_each_level_signs_and_validates(signing_keys, pdf2, checked, level):
    signed = services.sign_pdf(pdf2, key_id="user-giamdoc", level=level, appearance="signature")

    assert signed.startswith(pdf2)  # an incremental revision: the original bytes are untouched
    checked(signed, expected_signatures=1)
    report = services.validate_pdf(signed)
    assert report.indication == "TOTAL_PASSED", report.to_dict()
    assert report.exit_code == 0
    (sig,) = report.signatures
    assert sig.pades_level == level
    assert sig.signer_common_name == "Nguyễn Quang Huy"
    assert sig.intact and sig.valid and sig.trusted and not sig.revoked
    assert sig.signing_time.endswith("+07:00")
    assert (sig.timestamp_time is None) == (level == "B-B")


def test_leader_then_seal_then_attachment_stamp(signing_keys, pdf2, checked):
    box = (360.0, 120.0, 530.0, 200.0)
    leader = services.sign_pdf(pdf2, key_id="user-giamdoc", level="B-T", appearance="signature", box=box)
    sealed = services.sign_pdf(leader, key_id="org-seal", level="B-LT", appearance="seal", box=box)
    stamped = services.sign_pdf(
        sealed, key_id="org-system", level="B-T", appearance="text", text_lines=["Số: 05/STTTT-TTr"]
    )

    checked(stamped, expected_signatures=3)
    report = services.validate_pdf(stamped)
    assert report.indication == "TOTAL_PASSED", report.to_dict()
    names = [s.signer_common_name for s in report.signatures]
    assert names == ["Nguyễn Quang Huy", "SỞ THÔNG TIN VÀ TRUYỀN THÔNG TỈNH LẠNG SƠN", "Hệ thống văn thư điện tử"]
    assert report.signatures[1].signer_uid == "MST:4900123456"
    assert [s.is_last for s in report.signatures] == [False, False, True]
    # the exact bytes each signature covers, and the document it was applied to
    assert services.base_revision(stamped, 0) == pdf2
    assert services.signed_revision(stamped, 0) == leader
    assert services.base_revision(stamped, 2) == sealed
    assert services.signed_revision(stamped, 2) == stamped


def test_seal_covers_left_third_of_signature_box_at_true_size(signing_keys, pdf2):
    from io import BytesIO

    from pyhanko.pdf_utils.reader import PdfFileReader

    box = (360.0, 120.0, 531.0, 200.0)
    sealed = services.sign_pdf(pdf2, key_id="org-seal", level="B-B", appearance="seal", box=box, page=1)
    (sig,) = PdfFileReader(BytesIO(sealed), strict=False).embedded_regular_signatures
    x1, y1, x2, y2 = (float(v) for v in sig.sig_field["/Rect"])
    diameter = 36 * 72 / 25.4
    assert x2 == pytest.approx(360 + 171 / 3, abs=0.05)
    assert x2 - x1 == pytest.approx(diameter, abs=0.05)
    assert (y1 + y2) / 2 == pytest.approx(160, abs=0.05)


def test_b_lt_without_revocation_data_is_refused(signing_keys, pdf2, tmp_path, settings):
    # a CA we trust but whose OCSP/CRL answers are nowhere to be had: hard-fail, no silent B-T
    foreign = DevPki(tmp_path / "foreign", base_url="http://127.0.0.1:9")
    foreign.ensure()
    p12, password = foreign.issue_pkcs12(common_name="Người ký ngoài", issuer="root")
    settings.SIGNING_TRUST_ROOTS = [str(foreign.cert_path("root"))]

    with pytest.raises(RevocationUnavailable) as exc:
        services.sign_pdf_with_pkcs12(pdf2, pkcs12=p12, password=password, level="B-LT")
    assert "thu hồi" in exc.value.user_message
    # the same certificate signs fine at B-T (no revocation data needed there)
    assert services.sign_pdf_with_pkcs12(pdf2, pkcs12=p12, password=password, level="B-T")


def test_carrier_pkcs12_in_memory_carries_tax_code(signing_pki, pdf2, checked):
    p12, password = issue_carrier_certificate(name="Công ty TNHH Bưu chính Kỳ Lừa", tax_code="4900999888")
    signed = services.sign_pdf_with_pkcs12(pdf2, pkcs12=p12, password=password, level="B-T")

    checked(signed, expected_signatures=1)
    report = services.validate_pdf(signed)
    assert report.indication == "TOTAL_PASSED", report.to_dict()
    assert report.signatures[0].signer_uid == "MST:4900999888"
    assert report.signatures[0].signer_issuer == "vanthu Dev Carrier CA"
    with pytest.raises(KeyUnavailable):
        services.sign_pdf_with_pkcs12(pdf2, pkcs12=p12, password=b"wrong", level="B-T")


@pytest.mark.parametrize("level", ["B-T", "B-LT"])
def test_external_two_step_signing_with_client_side_key(signing_pki, dev_p12, pdf2, checked, level):
    import json

    p12, password = dev_p12("user-phogiamdoc")
    key, cert, chain = pkcs12.load_key_and_certificates(p12, password)
    cert_der = cert.public_bytes(serialization.Encoding.DER)

    state = services.prepare_external_signature(
        pdf2,
        certificate_der=cert_der,
        chain_der=[c.public_bytes(serialization.Encoding.DER) for c in chain],
        level=level,
        appearance="text",
        text_lines=["Ký số từ xa"],
    )
    state = json.loads(json.dumps(state))  # must survive a DB JSON field
    # --- the client side: only the signed attributes leave the server, the key never does
    signature_value = key.sign(base64.b64decode(state["data_to_sign"]), padding.PKCS1v15(), hashes.SHA256())
    signed = services.finish_external_signature(state=state, signature_value=signature_value)

    checked(signed, expected_signatures=1, dss_after_last=level == "B-LT")
    report = services.validate_pdf(signed)
    assert report.indication == "TOTAL_PASSED", report.to_dict()
    assert report.signatures[0].pades_level == level

    with pytest.raises(SigningError):
        services.finish_external_signature(state=state, signature_value=b"\x00" * 256)


def test_two_step_with_a_hash_only_provider(signing_pki, dev_p12, pdf2, checked):
    """What a provider with its own API (VNPT SmartCA, Viettel MySign) gets and returns, byte for byte.

    It receives only SHA-256(DER of the CMS signed attributes) (`data_to_sign_sha256`, hex; VNPT wants it as
    hex, MySign as base64) and returns the raw RSA PKCS#1 v1.5 signature over that digest (DigestInfo SHA-256).
    """
    import hashlib

    from cryptography.hazmat.primitives.asymmetric.utils import Prehashed

    p12, password = dev_p12("user-phogiamdoc")
    key, cert, chain = pkcs12.load_key_and_certificates(p12, password)
    state = services.prepare_external_signature(
        pdf2,
        certificate_der=cert.public_bytes(serialization.Encoding.DER),
        chain_der=[c.public_bytes(serialization.Encoding.DER) for c in chain],
        level="B-T",
    )
    attrs_der = base64.b64decode(state["data_to_sign"])
    assert attrs_der[0] == 0x31  # a DER SET OF Attribute (tag 0x31), not the [0] IMPLICIT form inside SignerInfo
    digest = hashlib.sha256(attrs_der).digest()
    assert state["data_to_sign_sha256"] == digest.hex()

    # --- the provider: it never sees the document or the attributes, only the digest
    signature_value = key.sign(digest, padding.PKCS1v15(), Prehashed(hashes.SHA256()))
    signed = services.finish_external_signature(state=state, signature_value=signature_value)

    checked(signed, expected_signatures=1)
    assert services.validate_pdf(signed).indication == "TOTAL_PASSED"


def test_unknown_key_and_bad_input_are_clear_errors(signing_keys, pdf2):
    with pytest.raises(KeyUnavailable) as exc:
        services.sign_pdf(pdf2, key_id="no-such-key")
    assert exc.value.user_message
    for bad in (b"", b"PK\x03\x04 not a pdf", pdf2[: len(pdf2) // 3]):
        with pytest.raises(InvalidInput):
            services.sign_pdf(bad, key_id="user-giamdoc", level="B-B")
    with pytest.raises(InvalidInput):
        services.sign_pdf(pdf2, key_id="user-giamdoc", level="B-X")
    with pytest.raises(InvalidInput):
        services.sign_pdf(pdf2, key_id="user-giamdoc", appearance="hologram")


def test_key_records_hold_no_private_key(signing_keys, django_user_model):
    from signing.models import SigningKey

    for record in SigningKey.objects.all():
        values = b"".join(
            (v if isinstance(v, bytes | memoryview) else str(v).encode())
            for v in SigningKey.objects.filter(pk=record.pk).values_list().get()
            if v is not None
        )
        assert b"PRIVATE KEY" not in values
        assert b"\x30\x82" not in values.replace(bytes(record.certificate_der or b""), b"")


def test_key_id_for_user(signing_keys, django_user_model):
    from signing.demo import init_pki

    giamdoc = django_user_model.objects.create(username="giamdoc", first_name="Huy", last_name="Nguyễn Quang")
    other = django_user_model.objects.create(username="chuyenvien")
    init_pki()  # links the existing key to the user now that the account exists

    assert services.key_id_for_user(giamdoc) == "user-giamdoc"
    assert services.key_id_for_user(other) is None
    assert services.key_id_for_user(None) is None


def test_sign_pdf_command(signing_keys, pdf2, tmp_path, checked):
    import io

    from django.core.management import CommandError, call_command

    (tmp_path / "in.pdf").write_bytes(pdf2)
    out = io.StringIO()
    call_command(
        "sign_pdf",
        str(tmp_path / "in.pdf"),
        str(tmp_path / "out.pdf"),
        "--key",
        "org-seal",
        "--level",
        "B-LTA",
        "--appearance",
        "seal",
        "--box",
        "360",
        "120",
        "530",
        "200",
        stdout=out,
    )
    assert "B-LTA" in out.getvalue()
    checked((tmp_path / "out.pdf").read_bytes(), expected_signatures=1)
    assert services.validate_pdf((tmp_path / "out.pdf").read_bytes()).signatures[0].pades_level == "B-LTA"
    with pytest.raises(CommandError, match="KeyUnavailable"):
        call_command("sign_pdf", str(tmp_path / "in.pdf"), str(tmp_path / "x.pdf"), "--key", "nope", stdout=out)


def test_sync_api_works_inside_a_running_event_loop(signing_pki, dev_p12, pdf2):
    """Async views call the sync API: pyHanko's own sync wrappers would fail there."""
    import asyncio

    p12, password = dev_p12("user-giamdoc")

    async def view():
        return services.sign_pdf_with_pkcs12(pdf2, pkcs12=p12, password=password, level="B-B")

    assert services.validate_pdf(asyncio.run(view())).indication == "TOTAL_PASSED"


def _stamp_image_sizes(data: bytes) -> list[tuple[int, int]]:
    from io import BytesIO

    from pyhanko.pdf_utils.reader import PdfFileReader

    sig = PdfFileReader(BytesIO(data), strict=False).embedded_regular_signatures[-1]
    sizes = []

    def walk(xobj):
        for sub in xobj.get("/Resources", {}).get("/XObject", {}).values():
            sub = sub.get_object()
            if sub.get("/Subtype") == "/Image":
                sizes.append((int(sub["/Width"]), int(sub["/Height"])))
            else:
                walk(sub)

    walk(sig.sig_field["/AP"]["/N"])
    return sizes


def test_cached_key_reads_its_record_once_and_follows_image_changes(signing_keys, pdf2, django_assert_num_queries):
    from PIL import Image

    record = signing_keys["user-giamdoc"]
    services.sign_pdf(pdf2, key_id="user-giamdoc", level="B-B")  # the key is now parsed and cached
    with django_assert_num_queries(1):
        signed = services.sign_pdf(pdf2, key_id="user-giamdoc", level="B-B", appearance="signature")
    with Image.open(record.signature_image) as img:
        assert _stamp_image_sizes(signed) == [img.size]

    record.signature_image = signing_keys["org-seal"].seal_image  # e.g. a new image set in the admin
    record.save()
    signed = services.sign_pdf(pdf2, key_id="user-giamdoc", level="B-B", appearance="signature")
    with Image.open(record.signature_image) as img:
        assert _stamp_image_sizes(signed) == [img.size]
