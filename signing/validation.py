"""Validation of any PDF into a verdict, free of Django, bounded in time and memory.

`validate_bytes` is the engine. `IsolatedValidator` runs it in a long-lived child process with an address-space
limit and a wall-clock timeout, so a hostile upload (decompression bomb, pathological object graph) can cost at
most one child process, never the web worker. Nothing is ever fetched: the trust roots come from the caller,
revocation data from the file's DSS and, for the development PKI only, from an in-process source.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import enum
import hashlib
import logging
import multiprocessing
import re
import sys
import threading
import types
from dataclasses import asdict, dataclass, field
from io import BytesIO
from typing import Any

__all__ = [
    "EXIT_CODES",
    "Indication",
    "IsolatedValidator",
    "SignatureReport",
    "ValidationOptions",
    "ValidationReport",
    "base_revision_end",
    "validate_bytes",
]

log = logging.getLogger(__name__)
VN_TZ = dt.timezone(dt.timedelta(hours=7), "ICT")


class Indication(enum.StrEnum):
    TOTAL_PASSED = "TOTAL_PASSED"
    TOTAL_FAILED = "TOTAL_FAILED"
    INDETERMINATE = "INDETERMINATE"
    UNREADABLE = "UNREADABLE"
    NO_SIGNATURE = "NO_SIGNATURE"


EXIT_CODES = {
    Indication.TOTAL_PASSED: 0,
    Indication.TOTAL_FAILED: 1,
    Indication.INDETERMINATE: 2,
    Indication.UNREADABLE: 3,
    Indication.NO_SIGNATURE: 4,
}


@dataclass
class ValidationOptions:
    trust_roots: list[bytes] = field(default_factory=list)
    dev_pki_dir: str | None = None
    timeout: float = 10.0
    memory_mb: int = 1024


@dataclass
class SignatureReport:
    index: int
    field_name: str
    signer_common_name: str = ""
    signer_organisation: str = ""
    signer_serial: str = ""
    signer_uid: str = ""
    signer_issuer: str = ""
    signing_time: str | None = None
    timestamp_time: str | None = None
    intact: bool = False
    valid: bool = False
    trusted: bool = False
    revoked: bool = False
    coverage: str = ""
    modification_level: str = ""
    docmdp_ok: bool | None = None
    pades_level: str = ""
    subfilter: str = ""
    signature_format: str = ""
    format_label: str = ""
    digest_algorithm: str = ""
    signature_algorithm: str = ""
    indication: str = Indication.INDETERMINATE
    sub_indication: str = ""
    reason: str = ""
    signed_revision_end: int = 0
    signed_revision_bytes_sha256: str = ""
    base_revision_end: int = 0
    base_revision_bytes_sha256: str = ""
    is_last: bool = False


@dataclass
class ValidationReport:
    indication: str
    file_sha256: str
    size: int = 0
    reason: str = ""
    signatures: list[SignatureReport] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        return EXIT_CODES[Indication(self.indication)]

    @property
    def passed(self) -> bool:
        return self.indication == Indication.TOTAL_PASSED

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["exit_code"] = self.exit_code
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ValidationReport:
        data = dict(data)
        data.pop("exit_code", None)
        sigs = [SignatureReport(**s) for s in data.pop("signatures", [])]
        return cls(signatures=sigs, **data)


def _iso(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(VN_TZ).replace(microsecond=0).isoformat()


def _unreadable(sha: str, size: int, reason: str) -> ValidationReport:
    return ValidationReport(indication=Indication.UNREADABLE, file_sha256=sha, size=size, reason=reason)


_EOF = re.compile(rb"%%EOF[ \t\f]*(\r\n|\r|\n)?")


def base_revision_end(data: bytes, covered_end: int) -> int:
    """End offset of the revision before the one a signature covers up to `covered_end` (0 if none)."""
    ends = [m.end() for m in _EOF.finditer(data, 0, covered_end)]
    # the last %%EOF inside the covered range closes the signature's own revision
    ends = [e for e in ends if e < covered_end - 5] if ends and ends[-1] >= covered_end - 8 else ends
    return ends[-1] if ends else 0


_SUB_REASONS = {
    "HASH_FAILURE": "nội dung đã bị thay đổi sau khi ký (sai giá trị băm)",
    "SIG_CRYPTO_FAILURE": "giá trị chữ ký không khớp với chứng thư số",
    "MODIFIED_AFTER_SIGNING": "văn bản bị sửa đổi sau khi ký ngoài phạm vi cho phép",
    "NO_CERTIFICATE_CHAIN_FOUND": "chứng thư số không thuộc tổ chức cung cấp dịch vụ tin cậy nào đã cấu hình",
    "REVOKED": "chứng thư số đã bị thu hồi",
    "REVOKED_NO_POE": "chứng thư số đã bị thu hồi",
    "OUT_OF_BOUNDS_NO_POE": "chứng thư số hết hạn hoặc chưa có hiệu lực vào thời điểm ký",
    "OUT_OF_BOUNDS_NOT_REVOKED": "chứng thư số hết hạn hoặc chưa có hiệu lực vào thời điểm ký",
    "TRY_LATER": "thiếu thông tin thu hồi (OCSP/CRL) để kiểm tra chứng thư số",
    "REVOCATION_DATA_MISSING": "thiếu thông tin thu hồi (OCSP/CRL) để kiểm tra chứng thư số",
    "CHAIN_CONSTRAINTS_FAILURE": "chuỗi chứng thư số không hợp lệ",
    "CERTIFICATE_CHAIN_GENERAL_FAILURE": "chuỗi chứng thư số không hợp lệ",
    "TIMESTAMP_FAILURE": "dấu thời gian không hợp lệ",
    "CRYPTO_CONSTRAINTS_FAILURE": "chữ ký dùng thuật toán đã lỗi thời, không còn đủ an toàn (ví dụ SHA-1)",
    "CRYPTO_CONSTRAINTS_FAILURE_NO_POE": "chữ ký dùng thuật toán đã lỗi thời, không còn đủ an toàn (ví dụ SHA-1)",
    "FORMAT_FAILURE": "định dạng chữ ký không được hỗ trợ",
    "NOT_PADES": "",
}


def _reason(indication: str, sub: str, *, is_last: bool, modification_level: str) -> str:
    if indication == Indication.TOTAL_PASSED:
        if is_last:
            return "Chữ ký hợp lệ, chứng thư số tin cậy; văn bản không bị thay đổi sau khi ký."
        if modification_level in ("NONE", ""):
            return "Chữ ký hợp lệ, chứng thư số tin cậy; văn bản không bị thay đổi sau khi ký."
        if modification_level == "ANNOTATIONS":
            return (
                "Chữ ký hợp lệ, chứng thư số tin cậy; nội dung đã ký không đổi, sau khi ký chỉ có thêm ghi chú "
                "(annotation) hoặc điền biểu mẫu."
            )
        return "Chữ ký hợp lệ, chứng thư số tin cậy; sau chữ ký này chỉ có thêm chữ ký/dấu thời gian hợp lệ."
    detail = _SUB_REASONS.get(sub) or sub.replace("_", " ").lower()
    if indication == Indication.TOTAL_FAILED:
        return f"Chữ ký không hợp lệ: {detail}."
    return f"Chưa xác định được tính hợp lệ của chữ ký: {detail}."


def _name_attr(cert, key: str) -> str:
    try:
        value = cert.subject.native.get(key, "")
    except Exception:  # noqa: BLE001
        return ""
    if isinstance(value, list):
        value = ", ".join(str(v) for v in value)
    return str(value or "")


def _timestamp_token(sig):
    """(gen_time, [certificate DER]) of the signature time-stamp token, or (None, [])."""
    from asn1crypto import core

    try:
        attrs = sig.signer_info["unsigned_attrs"]
        if isinstance(attrs, core.Void) or len(attrs) == 0:
            return None, []
        for attr in attrs:
            if attr["type"].native == "signature_time_stamp_token":
                token = attr["values"][0]
                sd = token["content"]
                tst = sd["encap_content_info"]["content"].parsed
                certs = [c.chosen.dump() for c in (sd["certificates"] or []) if c.name == "certificate"]
                return tst["gen_time"].native, certs
    except Exception:  # noqa: BLE001 - malformed token: reported through pyHanko's own validation
        return None, []
    return None, []


def _dss_info(reader) -> tuple[int | None, Any]:
    """(revision in which the DSS last gained revocation data, DSS) or (None, None)."""
    from pyhanko.sign.validation.dss import DocumentSecurityStore, NoDSSFoundError

    try:
        dss = DocumentSecurityStore.read_dss(reader)
    except NoDSSFoundError:
        return None, None
    if not (list(dss.ocsps) or list(dss.crls)):
        return None, dss
    revision = reader.xrefs.total_revisions - 1
    try:
        ref = reader.root.raw_get("/DSS")
        if hasattr(ref, "reference"):
            revision = reader.xrefs.get_last_change(ref.reference)
    except Exception:  # noqa: BLE001, S110 - a DSS we cannot date counts as the newest
        pass
    return revision, dss


def _pades_level(sig, *, ts_time, dss_revision: int | None, doc_ts_revisions: list[int]) -> str:
    """ETSI EN 319 142-1 level as far as the file shows it: B-T needs a signature time-stamp, B-LT revocation
    data added after the signature, B-LTA a document time-stamp after that."""
    subfilter = str(sig.sig_object.get("/SubFilter", ""))
    if subfilter != "/ETSI.CAdES.detached":
        return ""
    level = "B-B"
    if ts_time is not None:
        level = "B-T"
        if dss_revision is not None and dss_revision >= sig.signed_revision:
            level = "B-LT"
            if any(rev > sig.signed_revision for rev in doc_ts_revisions):
                level = "B-LTA"
    return level


# SubFilter → (format code, Vietnamese label). Only ETSI.CAdES.detached is PAdES (EN 319 142-1); the others are
# the older ISO 32000 formats that Acrobat, Java SDKs and many Vietnamese CA tools still write.
_FORMATS = {
    "/ETSI.CAdES.detached": ("PADES", "PAdES {level} (CAdES, ETSI EN 319 142-1)"),
    "/adbe.pkcs7.detached": ("PKCS7_DETACHED", "PKCS#7 tách rời (adbe.pkcs7.detached), không phải PAdES"),
    "/adbe.pkcs7.sha1": ("PKCS7_SHA1", "PKCS#7 SHA-1 cũ (adbe.pkcs7.sha1), không phải PAdES"),
    "/adbe.x509.rsa_sha1": ("X509_RSA_SHA1", "Chữ ký RSA thô cũ (adbe.x509.rsa_sha1), không phải PAdES"),
}
LEGACY_SUBFILTERS = ("/adbe.pkcs7.sha1", "/adbe.x509.rsa_sha1")
SUPPORTED_SUBFILTERS = ("/ETSI.CAdES.detached", "/adbe.pkcs7.detached", *LEGACY_SUBFILTERS)


def _signature_format(subfilter: str, *, pades_level: str, has_timestamp: bool) -> tuple[str, str]:
    code, label = _FORMATS.get(subfilter, ("UNKNOWN", f"Định dạng chữ ký không hỗ trợ ({subfilter.lstrip('/')})"))
    label = label.format(level=pades_level)
    if code != "PADES" and has_timestamp:
        label += ", có dấu thời gian"
    return code, label


def _cms_revocation(sig) -> tuple[list[bytes], list[bytes]]:
    """(CRLs, OCSP responses) the signer shipped inside the CMS: SignedData.crls (Java/iText SDKs) and Adobe's
    adbe-revocationInfoArchival signed attribute. They are signed by the CAs, so they are evidence, not trust."""
    import asn1crypto.pdf  # noqa: F401 - registers adobe_revocation_info_archival
    from asn1crypto import core

    crls: list[bytes] = []
    ocsps: list[bytes] = []
    try:
        for choice in sig.signed_data["crls"] or []:
            if choice.name == "crl":
                crls.append(choice.chosen.dump())
            elif choice.chosen["other_rev_info_format"].dotted == "1.3.6.1.5.5.7.16.2":
                ocsps.append(choice.chosen["other_rev_info"].dump())
        attrs = sig.signer_info["signed_attrs"]
        if not isinstance(attrs, core.Void):
            for attr in attrs:
                if attr["type"].native != "adobe_revocation_info_archival":
                    continue
                for archival in attr["values"]:
                    crls += [c.dump() for c in archival["crl"] or []]
                    ocsps += [o.dump() for o in archival["ocsp"] or []]
    except Exception:  # noqa: BLE001 - unusable revocation data is the same as none
        log.info("unreadable revocation data in a CMS signature", exc_info=True)
    return crls, ocsps


def _algorithms(sig) -> tuple[str, str]:
    try:
        md = sig.signer_info["digest_algorithm"]["algorithm"].native
        sig_algo = sig.signer_info["signature_algorithm"]["algorithm"].native
    except Exception:  # noqa: BLE001
        return "", ""
    if sig_algo in ("rsassa_pkcs1v15", "rsa"):
        sig_algo = "rsassa_pkcs1v15"
    elif sig_algo.endswith("_rsa"):
        sig_algo = "rsassa_pkcs1v15"
    elif sig_algo.endswith("ecdsa"):
        sig_algo = "ecdsa"
    return str(md), str(sig_algo)


def _annotation_rule():
    """pyHanko's default diff policy has no rule for markup annotations (its ANNOTATIONS level is never reached),
    so a sticky note or highlight added by a reader after signing would count as an arbitrary change. This rule
    clears exactly that: a page whose only change is new non-widget, action-free markup annotations, the new
    annotation objects, their appearance streams and popups. DocMDP then decides (P=3 allows them, P=1/2 not)."""
    from pyhanko.pdf_utils import generic
    from pyhanko.sign.diff_analysis import ModificationLevel
    from pyhanko.sign.diff_analysis.rules_api import QualifiedWhitelistRule, ReferenceUpdate

    markup = {
        "/Text", "/FreeText", "/Line", "/Square", "/Circle", "/Polygon", "/PolyLine", "/Highlight", "/Underline",
        "/Squiggly", "/StrikeOut", "/Stamp", "/Caret", "/Ink", "/Popup",
    }  # fmt: skip

    def refs_of(array) -> list:
        array = array.get_object() if array is not None else generic.ArrayObject()
        return [x.reference for x in array if isinstance(x, generic.IndirectObject)]

    class MarkupAnnotationRule(QualifiedWhitelistRule):
        def apply_qualified(self, old, new):
            level = ModificationLevel.ANNOTATIONS
            new_refs = set(new.reader.xrefs.explicit_refs_in_revision(new.revision))
            for page_ref in _page_refs(new):
                if page_ref not in new_refs:
                    continue
                try:
                    old_page, new_page = old(page_ref), new(page_ref)
                except Exception:  # noqa: BLE001, S112 - a page new in this revision is not ours to clear
                    continue
                keys = (set(old_page.keys()) | set(new_page.keys())) - {"/Annots"}
                if any(_raw(old_page, k) != _raw(new_page, k) for k in keys):
                    continue
                old_annots = refs_of(_raw(old_page, "/Annots"))
                new_annots = refs_of(_raw(new_page, "/Annots"))
                added = [r for r in new_annots if r not in old_annots]
                if set(old_annots) - set(new_annots) or not added:
                    continue
                cleared = []
                for ref in added:
                    annot = new(ref)
                    if annot.get("/Subtype") not in markup or "/A" in annot or "/AA" in annot:
                        break
                    if old.reader.xrefs.get_historical_ref(ref, old.revision) is not None:
                        break  # an existing object re-purposed, not a new annotation
                    cleared.append(ref)
                    for key in ("/Popup", "/IRT"):
                        target = _raw(annot, key)
                        if isinstance(target, generic.IndirectObject) and target.reference in new_refs:
                            cleared.append(target.reference)
                    ap = annot.get("/AP")
                    for state in ap.values() if isinstance(ap, generic.DictionaryObject) else ():
                        state_raw = state
                        if isinstance(state_raw, generic.IndirectObject):
                            cleared.append(state_raw.reference)
                else:
                    annots_raw = _raw(new_page, "/Annots")
                    if isinstance(annots_raw, generic.IndirectObject):
                        cleared.append(annots_raw.reference)
                    yield level, ReferenceUpdate(page_ref)
                    for ref in cleared:
                        if ref in new_refs:
                            yield level, ReferenceUpdate(ref)

    return MarkupAnnotationRule()


def _raw(dictionary, key: str):
    return dictionary.raw_get(key) if key in dictionary else None


def _page_refs(resolver) -> list:
    from pyhanko.pdf_utils import generic

    out, stack, seen = [], [resolver.root.raw_get("/Pages")], set()
    while stack and len(seen) < 100_000:
        node_raw = stack.pop()
        if not isinstance(node_raw, generic.IndirectObject) or node_raw.reference in seen:
            continue
        seen.add(node_raw.reference)
        node = node_raw.get_object()
        if node.get("/Type") == "/Pages" or "/Kids" in node:
            stack.extend(reversed(list(node.get("/Kids", []))))
        else:
            out.append(node_raw.reference)
    return out


_DIFF_POLICY = None


def _diff_policy():
    global _DIFF_POLICY
    if _DIFF_POLICY is None:
        from pyhanko.sign.diff_analysis import DEFAULT_DIFF_POLICY, StandardDiffPolicy

        _DIFF_POLICY = StandardDiffPolicy(
            global_rules=[*DEFAULT_DIFF_POLICY.global_rules, _annotation_rule()],
            form_rule=DEFAULT_DIFF_POLICY.form_rule,
        )
    return _DIFF_POLICY


def _x509_rsa_sha1_as_cms(sig_object) -> bytes:
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


def _collect_signatures(reader) -> list[tuple[Any, str, str, Any]]:
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
            sig_obj["/Contents"] = generic.ByteStringObject(_x509_rsa_sha1_as_cms(sig_obj))
            try:
                emb = EmbeddedPdfSignature(reader, sig_field, fq_name)
            finally:
                sig_obj["/Contents"] = original
            emb.pkcs7_content = bytes(original)  # the coverage check measures the real /Contents
        else:
            emb = EmbeddedPdfSignature(reader, sig_field, fq_name)
        found.append((emb, subfilter, fq_name, sig_obj))
    return sorted(found, key=lambda item: item[0].signed_revision if item[0] is not None else 1 << 30)


def _pkcs7_sha1_matches(emb) -> bool:
    """adbe.pkcs7.sha1: the signed content is the SHA-1 digest of the byte range, encapsulated in the CMS."""
    from pyhanko.sign.general import byte_range_digest

    _, actual = byte_range_digest(emb.reader.stream, byte_range=emb.byte_range, md_algorithm="sha1")
    return emb.signed_data["encap_content_info"]["content"].native == actual


async def _validate_legacy_signature(emb, signer_vc, ts_vc, diff_policy):
    """pyHanko's `async_validate_pdf_signature` minus its SubFilter whitelist (the legacy formats, whose CMS has
    been prepared by `_collect_signatures`)."""
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
    if sha1_content and not _pkcs7_sha1_matches(emb):
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


def _unsupported_report(index: int, fq_name: str, subfilter: str, sig_obj, data: bytes) -> SignatureReport:
    code, label = _signature_format(subfilter, pades_level="", has_timestamp=False)
    report = SignatureReport(
        index=index,
        field_name=fq_name,
        subfilter=subfilter.lstrip("/"),
        signature_format=code,
        format_label=label,
        indication=Indication.INDETERMINATE,
        sub_indication="FORMAT_FAILURE",
    )
    try:
        br = [int(x) for x in sig_obj["/ByteRange"]]
        report.signed_revision_end = br[2] + br[3]
        report.signed_revision_bytes_sha256 = hashlib.sha256(data[: report.signed_revision_end]).hexdigest()
    except Exception:  # noqa: BLE001, S110 - no usable byte range: nothing more to say
        pass
    return report


async def _chain_problem(sig, vc) -> str | None:
    """The precise reason pyHanko folds into CERTIFICATE_CHAIN_GENERAL_FAILURE, when it is missing revocation
    data (a certificate names OCSP/CRL URLs, nothing is fetched, and the file brings no answers)."""
    from pyhanko_certvalidator import CertificateValidator
    from pyhanko_certvalidator.errors import InsufficientRevinfoError, StaleRevinfoError

    try:
        await CertificateValidator(
            sig.signer_cert, intermediate_certs=sig.other_embedded_certs, validation_context=vc
        ).async_validate_usage(set())
    except (InsufficientRevinfoError, StaleRevinfoError):
        return "REVOCATION_DATA_MISSING"
    except Exception:  # noqa: BLE001 - any other failure keeps pyHanko's classification
        return None
    return None


async def _validate_signature(
    sig, subfilter: str, index: int, reader, data: bytes, options: ValidationOptions, ctx: dict
):
    from asn1crypto import x509 as ax509
    from pyhanko.sign.validation.pdf_embedded import async_validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    cert = sig.signer_cert
    ts_time, ts_certs = _timestamp_token(sig)
    report = SignatureReport(
        index=index,
        field_name=str(sig.field_name or ""),
        signer_common_name=_name_attr(cert, "common_name"),
        signer_organisation=_name_attr(cert, "organization_name"),
        signer_serial=format(cert.serial_number, "X"),
        signer_uid=_name_attr(cert, "user_id"),
        signer_issuer=str(cert.issuer.native.get("common_name", "")),
        signing_time=_iso(sig.self_reported_timestamp),
        timestamp_time=_iso(ts_time),
        subfilter=subfilter.lstrip("/"),
    )
    report.digest_algorithm, report.signature_algorithm = _algorithms(sig)
    br = [int(x) for x in sig.byte_range]
    covered_end = br[2] + br[3]
    report.signed_revision_end = covered_end
    report.signed_revision_bytes_sha256 = hashlib.sha256(data[:covered_end]).hexdigest()
    base_end = base_revision_end(data, covered_end)
    report.base_revision_end = base_end
    report.base_revision_bytes_sha256 = hashlib.sha256(data[:base_end]).hexdigest() if base_end else ""
    report.pades_level = _pades_level(
        sig, ts_time=ts_time, dss_revision=ctx["dss_revision"], doc_ts_revisions=ctx["doc_ts_revisions"]
    )
    report.signature_format, report.format_label = _signature_format(
        subfilter, pades_level=report.pades_level, has_timestamp=ts_time is not None
    )
    cms_crls, cms_ocsps = _cms_revocation(sig)

    certs_der = list(
        dict.fromkeys([c.dump() for c in sig.other_embedded_certs] + [cert.dump()] + ts_certs + ctx["dss_certs"])
    )
    local_ocsps = ctx["local"].answers_for(certs_der) if ctx["local"] is not None else []
    roots = [ax509.Certificate.load(r) for r in options.trust_roots]
    common = {
        "trust_roots": roots,
        "other_certs": [ax509.Certificate.load(c) for c in certs_der],
        "allow_fetching": False,
        "ocsps": ctx["dss_ocsps"] + cms_ocsps + local_ocsps,
        "crls": ctx["dss_crls"] + cms_crls,
        "revocation_mode": "hard-fail",
        "retroactive_revinfo": True,
    }
    ts_vc = ValidationContext(**common)
    # a time-stamped signature is judged at its time-stamp (was the certificate valid, not revoked, then?)
    signer_vc = ValidationContext(moment=ts_time, **common) if ts_time else ts_vc
    if subfilter in LEGACY_SUBFILTERS:
        status = await _validate_legacy_signature(sig, signer_vc, ts_vc, _diff_policy())
    else:
        status = await async_validate_pdf_signature(
            sig, signer_validation_context=signer_vc, ts_validation_context=ts_vc, diff_policy=_diff_policy()
        )

    report.intact = bool(status.intact)
    report.valid = bool(status.valid)
    report.revoked = bool(status.revoked)
    report.trusted = bool(status.trusted)
    report.coverage = status.coverage.name if status.coverage is not None else ""
    level = status.modification_level
    report.modification_level = level.name if level is not None else ""
    report.docmdp_ok = status.docmdp_ok

    from pyhanko.sign.diff_analysis import ModificationLevel
    from pyhanko.sign.validation.status import SignatureCoverageLevel

    ts_status = status.timestamp_validity
    if not status.intact:
        indication, sub = Indication.TOTAL_FAILED, "HASH_FAILURE"
    elif not status.valid:
        indication, sub = Indication.TOTAL_FAILED, "SIG_CRYPTO_FAILURE"
    elif (
        status.docmdp_ok is False
        or level == ModificationLevel.OTHER
        or status.coverage not in (SignatureCoverageLevel.ENTIRE_FILE, SignatureCoverageLevel.ENTIRE_REVISION)
    ):
        indication, sub = Indication.TOTAL_FAILED, "MODIFIED_AFTER_SIGNING"
    elif ts_status is not None and not (ts_status.intact and ts_status.valid):
        indication, sub = Indication.TOTAL_FAILED, "TIMESTAMP_FAILURE"
    elif status.revoked:
        indication, sub = Indication.INDETERMINATE, "REVOKED"
    elif not status.trusted:
        indic = status.trust_problem_indic
        sub = indic.name if indic is not None else "NO_CERTIFICATE_CHAIN_FOUND"
        if sub == "CERTIFICATE_CHAIN_GENERAL_FAILURE":
            sub = await _chain_problem(sig, signer_vc) or sub
        indication = Indication.INDETERMINATE
    elif ts_status is not None and not ts_status.trusted:
        indication, sub = Indication.INDETERMINATE, "TIMESTAMP_FAILURE"
    else:
        indication, sub = Indication.TOTAL_PASSED, ""
    report.indication = str(indication)
    report.sub_indication = sub
    return report


_XREF_NEAR = re.compile(rb"(?<![A-Za-z])xref\s|\d+\s+\d+\s+obj\s*<<[^>]{0,512}?/Type\s*/XRef\b")


def _lenient_xref_offsets() -> None:
    """pyHanko corrects a startxref or /Prev that is off by a byte or two. Writers that append to a broken file
    keep its wrong offset (poppler's pdfsig writes /Prev where the original claimed its table was), so fall back
    to the nearest cross-reference section within 4 KiB of the declared offset. The bytes are not touched."""
    from pyhanko.pdf_utils import xref
    from pyhanko.pdf_utils.misc import PdfReadError

    original = xref._attempt_startxref_correction
    if getattr(original, "lenient", False):
        return

    def corrected(stream, startxref):
        try:
            return original(stream, startxref)
        except PdfReadError:
            low = max(0, startxref - 4096)
            stream.seek(low)
            found = [low + m.start() for m in _XREF_NEAR.finditer(stream.read(8192))]
            if not found:
                raise
            return min(found, key=lambda pos: abs(pos - startxref))

    corrected.lenient = True
    xref._attempt_startxref_correction = corrected


_M_UTC_TAIL = re.compile(r"Z(?:00'?00)?'*$")


def _lenient_signing_time() -> None:
    """pyHanko reads a signature's `/M` (when the CMS has no signing-time) with a parser that rejects LibreOffice's
    `D:20261201151501Z'` (a stray apostrophe after Z) and `Z00'00'`, and the error made the whole file unreadable.
    Read such UTC forms as Z; any other unparseable `/M` is an unknown signing time, not a broken file."""
    from pyhanko.pdf_utils.generic import parse_pdf_date
    from pyhanko.pdf_utils.misc import PdfReadError
    from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature

    original = EmbeddedPdfSignature.self_reported_timestamp.fget
    if getattr(original, "lenient", False):
        return

    def self_reported_timestamp(self) -> dt.datetime | None:
        try:
            return original(self)
        except PdfReadError:
            try:
                return parse_pdf_date(_M_UTC_TAIL.sub("Z", str(self.sig_object["/M"]).rstrip()), strict=False)
            except (PdfReadError, ValueError):
                return None

    self_reported_timestamp.lenient = True
    EmbeddedPdfSignature.self_reported_timestamp = property(self_reported_timestamp)


async def _validate_async(data: bytes, options: ValidationOptions) -> ValidationReport:
    from pyhanko.pdf_utils.reader import PdfFileReader

    import signing._speedups  # noqa: F401 - faster hex strings (signature /Contents) in pyHanko's parser

    _lenient_xref_offsets()
    _lenient_signing_time()

    sha = hashlib.sha256(data).hexdigest()
    reader = PdfFileReader(BytesIO(data), strict=False)
    if reader.encrypted:
        return _unreadable(sha, len(data), "Tệp PDF được mã hóa, không kiểm tra được khi không có mật khẩu.")
    found = _collect_signatures(reader)
    if not found:
        return ValidationReport(
            indication=Indication.NO_SIGNATURE,
            file_sha256=sha,
            size=len(data),
            reason="Tệp PDF đọc được nhưng không có chữ ký số nào.",
        )
    dss_revision, dss = _dss_info(reader)
    ctx: dict[str, Any] = {
        "dss_revision": dss_revision,
        "doc_ts_revisions": [s.signed_revision for s in reader.embedded_timestamp_signatures],
        "dss_certs": [],
        "dss_ocsps": [],
        "dss_crls": [],
        "local": None,
    }
    if dss is not None:
        from pyhanko.pdf_utils.decode_limits import DecodePurpose

        # raw DER is enough: ValidationContext parses it once, per signature
        ctx["dss_certs"] = [c.dump() for c in dss.load_certs()]
        ctx["dss_ocsps"] = [ref.get_object().read_data(DecodePurpose.OCSP_RESPONSE) for ref in dss.ocsps]
        ctx["dss_crls"] = [ref.get_object().read_data(DecodePurpose.CRL) for ref in dss.crls]
    if options.dev_pki_dir:
        from signing.revocation import dev_revocation

        ctx["local"] = dev_revocation(options.dev_pki_dir)
    last_end = 0
    reports = []
    for i, (sig, subfilter, fq_name, sig_obj) in enumerate(found):
        if sig is None:
            rep = _unsupported_report(i, fq_name, subfilter, sig_obj, data)
        else:
            rep = await _validate_signature(sig, subfilter, i, reader, data, options, ctx)
        reports.append(rep)
        last_end = max(last_end, rep.signed_revision_end)
    for rep in reports:
        rep.is_last = rep.signed_revision_end == last_end
        rep.reason = _reason(
            rep.indication, rep.sub_indication, is_last=rep.is_last, modification_level=rep.modification_level
        )
    indications = {r.indication for r in reports}
    if Indication.TOTAL_FAILED in indications:
        overall = Indication.TOTAL_FAILED
        reason = "Có chữ ký không hợp lệ hoặc văn bản đã bị thay đổi sau khi ký."
    elif Indication.INDETERMINATE in indications:
        overall = Indication.INDETERMINATE
        reason = "Chưa xác định được tính hợp lệ của ít nhất một chữ ký."
    else:
        overall = Indication.TOTAL_PASSED
        reason = "Mọi chữ ký đều hợp lệ, tin cậy và văn bản không bị thay đổi sau khi ký."
    return ValidationReport(indication=overall, file_sha256=sha, size=len(data), reason=reason, signatures=reports)


def validate_bytes(data: bytes, options: ValidationOptions) -> ValidationReport:
    """Validate in this process. Every failure of the reader or validator becomes a verdict."""
    sha = hashlib.sha256(data).hexdigest()
    if not data:
        return _unreadable(sha, 0, "Tệp rỗng (0 byte).")
    head = data[:1024]
    if b"%PDF-" not in head:
        if head.startswith(b"PK\x03\x04"):
            return _unreadable(sha, len(data), "Tệp là một tệp nén ZIP, không phải PDF.")
        return _unreadable(sha, len(data), "Tệp không phải là PDF.")
    try:
        return asyncio.run(_validate_async(data, options))
    except MemoryError:
        return _unreadable(sha, len(data), "Tệp PDF cần quá nhiều bộ nhớ để đọc (có thể là bom giải nén).")
    except RecursionError:
        return _unreadable(sha, len(data), "Cấu trúc tệp PDF lồng nhau bất thường, không đọc được.")
    except Exception as exc:  # noqa: BLE001 - every exception type of a hostile file becomes a verdict
        from pyhanko.pdf_utils.misc import PdfReadError

        log.info("unreadable PDF %s: %s: %s", sha[:12], type(exc).__name__, exc)
        if "decode" in str(exc).lower() and "limit" in str(exc).lower():
            return _unreadable(sha, len(data), "Tệp PDF vượt giới hạn giải nén (có thể là bom giải nén).")
        if isinstance(exc, PdfReadError):
            return _unreadable(sha, len(data), "Tệp PDF hỏng hoặc bị cắt cụt, không đọc được.")
        return _unreadable(sha, len(data), "Tệp PDF không đọc được hoặc chữ ký có cấu trúc hỏng.")


# --- isolation ---------------------------------------------------------------------------------
def _worker_main(conn, memory_mb: int) -> None:  # pragma: no cover - runs in the child process
    import resource

    limit = memory_mb * 1024 * 1024
    try:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (ValueError, OSError):
        pass
    logging.getLogger("pyhanko").setLevel(logging.CRITICAL)
    logging.getLogger("pyhanko_certvalidator").setLevel(logging.CRITICAL)
    # warm the imports so the first request is as fast as the next ones
    import pyhanko.sign.validation  # noqa: F401

    conn.send("ready")
    while True:
        try:
            data, options = conn.recv()
        except (EOFError, OSError):
            return
        try:
            result = validate_bytes(data, options).to_dict()
        except BaseException as exc:  # noqa: BLE001
            result = _unreadable(
                hashlib.sha256(data).hexdigest(), len(data), f"Lỗi khi kiểm tra: {type(exc).__name__}"
            ).to_dict()
        del data
        conn.send(result)


class IsolatedValidator:
    """One child process (spawned, so no fork-with-threads hazards) reused for every validation."""

    def __init__(self, memory_mb: int = 1024):
        self.memory_mb = memory_mb
        self._lock = threading.Lock()
        self._proc = None
        self._conn = None

    def _start(self) -> None:
        ctx = multiprocessing.get_context("spawn")
        parent, child = ctx.Pipe(duplex=True)
        proc = ctx.Process(target=_worker_main, args=(child, self.memory_mb), daemon=True, name="vanthu-validate")
        # The worker needs nothing from the host's __main__ (manage.py, gunicorn, a script without a main
        # guard): hide it so `spawn` does not re-run it in the child.
        main = sys.modules["__main__"]
        sys.modules["__main__"] = types.ModuleType("__main__")
        try:
            proc.start()
        finally:
            sys.modules["__main__"] = main
        child.close()
        self._proc, self._conn = proc, parent
        if not parent.poll(120) or parent.recv() != "ready":
            self._kill()
            raise RuntimeError("the validation worker did not start")

    def _kill(self) -> None:
        if self._proc is not None:
            self._proc.kill()
            self._proc.join(timeout=5)
            self._proc.close()
        if self._conn is not None:
            self._conn.close()
        self._proc = self._conn = None

    def close(self) -> None:
        with self._lock:
            self._kill()

    def validate(self, data: bytes, options: ValidationOptions) -> ValidationReport:
        sha = hashlib.sha256(data).hexdigest()
        with self._lock:
            if self._proc is None or not self._proc.is_alive():
                self._kill()
                self._start()
            try:
                self._conn.send((data, options))
                if not self._conn.poll(options.timeout):
                    self._kill()
                    return _unreadable(
                        sha, len(data), "Kiểm tra tệp quá thời gian cho phép; tệp có thể bị làm hỏng có chủ ý."
                    )
                return ValidationReport.from_dict(self._conn.recv())
            except (EOFError, OSError, BrokenPipeError):
                self._kill()
                return _unreadable(
                    sha, len(data), "Tệp PDF cần quá nhiều tài nguyên để kiểm tra (có thể là bom giải nén)."
                )
