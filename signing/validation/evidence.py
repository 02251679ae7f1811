"""What a signed file shows besides the signature value: time-stamps, DSS, revocation data in the CMS, algorithms,
the PAdES level, and where each revision ends."""

from __future__ import annotations

import logging
import re
from typing import Any

from signing.validation.report import SignatureFormat

log = logging.getLogger(__name__)

_EOF = re.compile(rb"%%EOF[ \t\f]*(\r\n|\r|\n)?")


def base_revision_end(data: bytes, covered_end: int) -> int:
    """End offset of the revision before the one a signature covers up to `covered_end` (0 if none)."""
    ends = [m.end() for m in _EOF.finditer(data, 0, covered_end)]
    # the last %%EOF inside the covered range closes the signature's own revision
    ends = [e for e in ends if e < covered_end - 5] if ends and ends[-1] >= covered_end - 8 else ends
    return ends[-1] if ends else 0


def name_attr(cert, key: str) -> str:
    try:
        value = cert.subject.native.get(key, "")
    except Exception:  # noqa: BLE001
        return ""
    if isinstance(value, list):
        value = ", ".join(str(v) for v in value)
    return str(value or "")


def timestamp_token(sig):
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


def dss_info(reader) -> tuple[int | None, Any]:
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


def pades_level(sig, *, ts_time, dss_revision: int | None, doc_ts_revisions: list[int]) -> str:
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


_FORMATS = {
    "/ETSI.CAdES.detached": SignatureFormat.PADES,
    "/adbe.pkcs7.detached": SignatureFormat.PKCS7_DETACHED,
    "/adbe.pkcs7.sha1": SignatureFormat.PKCS7_SHA1,
    "/adbe.x509.rsa_sha1": SignatureFormat.X509_RSA_SHA1,
}


def signature_format(subfilter: str) -> SignatureFormat:
    return _FORMATS.get(subfilter, SignatureFormat.UNKNOWN)


def cms_revocation(sig) -> tuple[list[bytes], list[bytes]]:
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


def algorithms(sig) -> tuple[str, str]:
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
