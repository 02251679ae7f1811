"""The SubFilters pyHanko's PDF validator refuses: `adbe.pkcs7.sha1` and `adbe.x509.rsa_sha1` (ISO 32000-1 §12.8.3).

Acrobat, Java SDKs and older Vietnamese CA tools still write them. `collect_signatures` lists every filled
signature field (pyHanko's own list silently drops these, which would turn a signed PDF into "no signature");
`validate_legacy_signature` is pyHanko's `async_validate_pdf_signature` minus its SubFilter whitelist.
"""

from __future__ import annotations

from typing import Any

__all__ = ["LEGACY_SUBFILTERS", "SUPPORTED_SUBFILTERS", "collect_signatures", "validate_legacy_signature"]

LEGACY_SUBFILTERS = ("/adbe.pkcs7.sha1", "/adbe.x509.rsa_sha1")
SUPPORTED_SUBFILTERS = ("/ETSI.CAdES.detached", "/adbe.pkcs7.detached", *LEGACY_SUBFILTERS)


def x509_rsa_sha1_as_cms(sig_object) -> bytes:
    """adbe.x509.rsa_sha1 (ISO 32000-1 §12.8.3.2): /Contents is a PKCS#1 v1.5 signature (DER OCTET STRING) of the
    byte range, /Cert the signer's certificate (first) and chain. Re-expressed as the equivalent CMS SignedData
    without signed attributes, so that one validator checks digest, signature, chain and modifications."""
    from asn1crypto import algos, cms, core
    from asn1crypto import x509 as ax509
    from cryptography import x509
    from cryptography.hazmat.primitives.asymmetric import padding, rsa

    raw = bytes(sig_object["/Contents"])
    try:
        value = core.OctetString.load(raw, strict=False).native
    except ValueError:
        value = raw.rstrip(b"\0")
    certs_obj = sig_object["/Cert"]
    certs_der = [bytes(certs_obj)] if isinstance(certs_obj, bytes | str) else [bytes(c) for c in certs_obj]
    certs = [ax509.Certificate.load(c) for c in certs_der]
    signer = certs[0]
    md = "sha1"
    key = x509.load_der_x509_certificate(certs_der[0]).public_key()
    if isinstance(key, rsa.RSAPublicKey):
        try:
            digest_info = algos.DigestInfo.load(key.recover_data_from_signature(value, padding.PKCS1v15(), None))
            md = digest_info["digest_algorithm"]["algorithm"].native
        except Exception:  # noqa: BLE001, S110 - a wrong signature is reported by the CMS check below
            pass
    signer_info = cms.SignerInfo(
        {
            "version": "v1",
            "sid": cms.SignerIdentifier(
                name="issuer_and_serial_number",
                value={"issuer": signer.issuer, "serial_number": signer.serial_number},
            ),
            "digest_algorithm": {"algorithm": md},
            "signature_algorithm": {"algorithm": "rsassa_pkcs1v15"},
            "signature": value,
        }
    )
    signed_data = cms.SignedData(
        {
            "version": "v1",
            "digest_algorithms": [{"algorithm": md}],
            "encap_content_info": {"content_type": "data"},
            "certificates": [cms.CertificateChoices(name="certificate", value=c) for c in certs],
            "signer_infos": [signer_info],
        }
    )
    return cms.ContentInfo({"content_type": "signed_data", "content": signed_data}).dump()


def collect_signatures(reader) -> list[tuple[Any, str, str, Any]]:
    """(EmbeddedPdfSignature or None, SubFilter) for every filled /Sig field in signing order. pyHanko's own list
    silently drops the legacy SubFilters, which would turn a signed PDF into "no signature"."""
    from pyhanko.pdf_utils import generic
    from pyhanko.sign.fields import enumerate_sig_fields
    from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature

    found = []
    for fq_name, sig_obj_ref, sig_field in enumerate_sig_fields(reader, filled_status=True):
        sig_obj = sig_obj_ref.get_object()
        if sig_obj.get("/Type", "/Sig") != "/Sig":
            continue  # document time-stamps are read separately
        subfilter = str(sig_obj.get("/SubFilter", ""))
        if subfilter == "/ETSI.RFC3161":
            continue
        if subfilter not in SUPPORTED_SUBFILTERS:
            found.append((None, subfilter, fq_name, sig_obj))
            continue
        if subfilter == "/adbe.x509.rsa_sha1":
            original = sig_obj.raw_get("/Contents")
            sig_obj["/Contents"] = generic.ByteStringObject(x509_rsa_sha1_as_cms(sig_obj))
            try:
                emb = EmbeddedPdfSignature(reader, sig_field, fq_name)
            finally:
                sig_obj["/Contents"] = original
            emb.pkcs7_content = bytes(original)  # the coverage check measures the real /Contents
        else:
            emb = EmbeddedPdfSignature(reader, sig_field, fq_name)
        found.append((emb, subfilter, fq_name, sig_obj))
    return sorted(found, key=lambda item: item[0].signed_revision if item[0] is not None else 1 << 30)


def pkcs7_sha1_matches(emb) -> bool:
    """adbe.pkcs7.sha1: the signed content is the SHA-1 digest of the byte range, encapsulated in the CMS."""
    from pyhanko.sign.general import byte_range_digest

    _, actual = byte_range_digest(emb.reader.stream, byte_range=emb.byte_range, md_algorithm="sha1")
    return emb.signed_data["encap_content_info"]["content"].native == actual


async def validate_legacy_signature(emb, signer_vc, ts_vc, diff_policy):
    """pyHanko's `async_validate_pdf_signature` minus its SubFilter whitelist (the legacy formats, whose CMS has
    been prepared by `collect_signatures`)."""
    from pyhanko.sign.validation import generic_cms
    from pyhanko.sign.validation.pdf_embedded import report_seed_value_validation
    from pyhanko.sign.validation.status import PdfSignatureStatus

    emb.compute_integrity_info(diff_policy=diff_policy)
    status_kwargs = emb.summarise_integrity_info()
    status_kwargs.update(await generic_cms.collect_timing_info(emb.signer_info, ts_vc, raw_digest=emb.compute_digest))
    if "signer_reported_dt" not in status_kwargs and emb.self_reported_timestamp is not None:
        status_kwargs["signer_reported_dt"] = emb.self_reported_timestamp
    sha1_content = str(emb.sig_object.get("/SubFilter")) == "/adbe.pkcs7.sha1"
    status_kwargs = await generic_cms.cms_basic_validation(
        emb.signed_data,
        # adbe.pkcs7.sha1: the CMS is checked against its encapsulated content, and that against the file
        raw_digest=None if sha1_content else emb.compute_digest(),
        validation_context=signer_vc,
        status_kwargs=status_kwargs,
        key_usage_settings=PdfSignatureStatus.default_usage_constraints(None),
    )
    if sha1_content and not pkcs7_sha1_matches(emb):
        status_kwargs["intact"] = False
    tst_validity = status_kwargs.get("timestamp_validity", None)
    found = tst_validity is not None and tst_validity.valid and tst_validity.trusted
    status_kwargs.update(report_seed_value_validation(emb, status_kwargs["validation_path"], found))
    status_kwargs.update(
        await generic_cms.collect_signer_attr_status(
            sd_attr_certificates=emb.embedded_attr_certs,
            signer_cert=emb.signer_cert,
            validation_context=None,
            sd_signed_attrs=emb.signer_info["signed_attrs"],
        )
    )
    return PdfSignatureStatus(**status_kwargs)
