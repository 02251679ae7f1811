"""The trust store: shipped national roots, intermediates that only build paths, import/disable, audit, admin."""

from __future__ import annotations

import pytest
from asn1crypto import pem
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding, pkcs7
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from core.models import AuditEntry
from core.roles import Role
from signing import services
from signing.models import TrustedCertificate
from signing.trust import store
from tests.signing.trust_support import leaf_only_pdf

pytestmark = pytest.mark.django_db

VN_ROOT_SHA256 = "BAC8BF609AB420A8"  # Vietnam National Root CA (2014-2039), README of shared/trust/vn
VNPT_SMARTCA_RS = "95CF8F36C986E0C0"


@pytest.fixture
def carrier_ca_pem(signing_pki) -> bytes:
    return signing_pki.cert_path("carrier-ca").read_bytes()


@pytest.fixture(scope="module")
def leaf_only(signing_pki):
    from tests.signing_support import sample_pdf

    return leaf_only_pdf(signing_pki, sample_pdf(1))


def _entry(prefix: str) -> TrustedCertificate:
    return TrustedCertificate.objects.get(sha256__startswith=prefix)


def test_the_national_root_is_shipped_as_an_anchor_with_its_fingerprint():
    root = _entry(VN_ROOT_SHA256)
    assert root.sha256 == "BAC8BF609AB420A8EE1780D74F4DE5C7F7184959D2A7375B0A75E4C29F0908E7"
    assert root.subject_cn == "Vietnam National Root CA" and root.role == "anchor" and root.enabled and root.bundled
    assert root.not_before.year == 2014 and root.not_after.year == 2039
    assert root.source == "vn/neac_vnrca256_VietnamNationalRootCA_SHA256.pem" and "rootca.gov.vn" in root.source_url
    anchors, intermediates, _labels = services.validation_trust()
    smartca = _entry(VNPT_SMARTCA_RS)
    assert smartca.role == "intermediate"
    assert bytes(root.der) in anchors and bytes(smartca.der) in intermediates and bytes(smartca.der) not in anchors
    for prefix in ("F7BC89054CEC7F12", "F04BA4B459A7C9A1"):  # Ban Cơ yếu G1 and G2 roots
        assert _entry(prefix).role == "anchor"


def test_shipped_intermediates_build_paths_to_the_shipped_roots():
    """The data is real: each licensed CA's certificate verifies under a shipped national root."""
    from asn1crypto import x509 as ax509
    from pyhanko_certvalidator import ValidationContext

    anchors, intermediates, _labels = services.validation_trust()
    vc = ValidationContext(
        trust_roots=[ax509.Certificate.load(a) for a in anchors],
        other_certs=[ax509.Certificate.load(i) for i in intermediates],
    )
    smartca = ax509.Certificate.load(bytes(_entry(VNPT_SMARTCA_RS).der))
    paths = vc.path_builder.build_paths(smartca)
    assert paths and paths[0].first.subject.native["common_name"] == "Vietnam National Root CA"


def test_a_store_intermediate_completes_the_path_the_pdf_lacks(leaf_only, carrier_ca_pem):
    signed, _cert = leaf_only
    before = services.validate_pdf(signed)
    assert before.signatures[0].sub_indication == "NO_CERTIFICATE_CHAIN_FOUND"
    store.import_bundle(data=carrier_ca_pem, filename="carrier-ca.pem")
    assert TrustedCertificate.objects.get(source="carrier-ca.pem").role == "intermediate"
    after = services.validate_pdf(signed)
    assert after.indication == "TOTAL_PASSED", after.to_dict()
    assert after.signatures[0].signer_issuer == "vanthu Dev Carrier CA"


def test_a_disabled_store_entry_makes_the_same_file_untrusted(leaf_only, carrier_ca_pem):
    signed, _cert = leaf_only
    (entry,) = store.import_bundle(data=carrier_ca_pem, filename="carrier-ca.pem")
    assert services.validate_pdf(signed).indication == "TOTAL_PASSED"
    call_command("trust_store", "disable", entry.sha256)
    report = services.validate_pdf(signed)
    assert report.indication == "INDETERMINATE"
    assert report.signatures[0].sub_indication == "NO_CERTIFICATE_CHAIN_FOUND" and not report.signatures[0].trusted
    assert AuditEntry.objects.filter(code="signing.trust_store.disabled", data__sha256=entry.sha256).exists()


def test_an_intermediate_is_never_an_anchor(signing_pki, leaf_only, carrier_ca_pem):
    """With the carrier CA in the store but the root not trusted, nothing is trusted: intermediates don't vouch."""
    signed, _cert = leaf_only
    store.import_bundle(data=carrier_ca_pem, filename="carrier-ca.pem")
    assert services.validate_pdf(signed).indication == "TOTAL_PASSED"
    from django.conf import settings

    settings.SIGNING_DEV_PKI = False
    try:
        report = services.validate_pdf(signed, isolated=False)
    finally:
        settings.SIGNING_DEV_PKI = True
    assert report.signatures[0].sub_indication == "NO_CERTIFICATE_CHAIN_FOUND"


def test_import_reads_p7b_der_and_pem_bundles(signing_pki):
    root = x509.load_pem_x509_certificate(signing_pki.cert_path("root").read_bytes())
    carrier = x509.load_pem_x509_certificate(signing_pki.cert_path("carrier-ca").read_bytes())
    p7b = pkcs7.serialize_certificates([root, carrier], Encoding.DER)
    imported = store.import_bundle(data=p7b, filename="dev.p7b")
    roles = {obj.subject_cn: obj.role for obj in imported}
    assert roles == {"vanthu Dev Root CA": "anchor", "vanthu Dev Carrier CA": "intermediate"}
    assert store.import_bundle(data=carrier.public_bytes(Encoding.DER), filename="c.cer")[0].pk == imported[1].pk
    pem_p7b = pkcs7.serialize_certificates([carrier], Encoding.PEM)
    assert store.import_bundle(data=pem_p7b, filename="c.p7b")[0].subject_cn == "vanthu Dev Carrier CA"
    assert AuditEntry.objects.filter(code="signing.trust_store.imported").count() == 4


def test_import_refuses_a_leaf_certificate_and_a_malformed_bundle(signing_pki, leaf_only):
    _signed, leaf = leaf_only
    carrier = signing_pki.cert_path("carrier-ca").read_bytes()
    count = TrustedCertificate.objects.count()
    with pytest.raises(store.TrustStoreError) as refused:
        store.import_bundle(data=carrier + pem.armor("CERTIFICATE", leaf.dump()), filename="mixed.pem")
    assert "không phải chứng thư của tổ chức cung cấp dịch vụ chứng thực" in refused.value.user_message
    with pytest.raises(store.TrustStoreError) as refused:
        store.import_bundle(data=carrier[:-200], filename="cut.pem")
    assert "không phải là gói chứng thư hợp lệ" in refused.value.user_message
    assert TrustedCertificate.objects.count() == count  # all or nothing


@pytest.fixture
def admin_client(client, make_user):
    client.force_login(make_user(Role.ADMINISTRATOR))
    return client


def test_admin_lists_the_store_with_subject_validity_fingerprint_source(admin_client):
    page = admin_client.get(reverse("signing_trust_admin:index")).content.decode()
    root = _entry(VN_ROOT_SHA256)
    assert "Vietnam National Root CA" in page and root.sha256 in page
    assert "15/04/2039" in page and "vn/neac_vnrca256_VietnamNationalRootCA_SHA256.pem" in page


def test_admin_import_refuses_a_non_ca_certificate_and_a_malformed_bundle(admin_client, leaf_only):
    _signed, leaf = leaf_only
    url = reverse("signing_trust_admin:import")
    count = TrustedCertificate.objects.count()
    response = admin_client.post(url, {"file": SimpleUploadedFile("nguoi-ky.cer", leaf.dump())})
    page = response.content.decode()
    assert response.status_code == 400
    assert "Chứng thư “Trần Thị Lan” không phải chứng thư của tổ chức cung cấp dịch vụ chứng thực (CA)" in page
    response = admin_client.post(url, {"file": SimpleUploadedFile("goi.p7b", b"\x30\x82\x05\x00garbage")})
    assert response.status_code == 400 and "không phải là gói chứng thư hợp lệ" in response.content.decode()
    assert TrustedCertificate.objects.count() == count
    assert not AuditEntry.objects.filter(code="signing.trust_store.imported").exists()


def test_admin_import_and_disable_are_audited(admin_client, signing_pki):
    url = reverse("signing_trust_admin:import")
    carrier = signing_pki.cert_path("carrier-ca").read_bytes()
    response = admin_client.post(url, {"file": SimpleUploadedFile("carrier.pem", carrier)})
    assert response.status_code == 302
    entry = TrustedCertificate.objects.get(source="carrier.pem")
    admin_client.post(reverse("signing_trust_admin:toggle", args=[entry.pk]), {"enabled": "0"})
    entry.refresh_from_db()
    assert not entry.enabled
    codes = list(AuditEntry.objects.filter(data__sha256=entry.sha256).values_list("code", "actor__username"))
    assert [c for c, _u in codes] == ["signing.trust_store.imported", "signing.trust_store.disabled"]
    assert all(u for _c, u in codes)


def test_admin_store_needs_the_permission(client, make_user):
    client.force_login(make_user(Role.CLERK))
    response = client.get(reverse("signing_trust_admin:index"))
    assert response.status_code == 302 and response.url == reverse("wagtailadmin_home")


def test_command_sync_list_and_enable(capsys):
    root = _entry(VN_ROOT_SHA256)
    call_command("trust_store", "disable", root.sha256)
    call_command("trust_store", "sync")
    root.refresh_from_db()
    assert not root.enabled  # sync keeps the administrator's choice
    call_command("trust_store", "list")
    listed = capsys.readouterr().out
    assert "Vietnam National Root CA" not in listed.split("refreshed")[-1].replace("Vietnam National Root CA G3", "")
    call_command("trust_store", "enable", root.sha256)
    call_command("trust_store", "list")
    assert root.sha256 in capsys.readouterr().out
