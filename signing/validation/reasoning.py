"""What a verdict rests on, as data: the certification path up to the anchor (and which trust store entry each
certificate matched), and the evidence of time the file holds (signature time-stamp, document time-stamps,
DSS/VRI, revocation data inside the CMS)."""

from __future__ import annotations

import hashlib
import logging
from typing import Any

from signing.validation.report import iso_time

__all__ = ["certification_path", "time_evidence"]

log = logging.getLogger(__name__)


def _cert_entry(cert, *, position: str, labels: dict[str, str]) -> dict[str, Any]:
    der = cert.dump()
    sha = hashlib.sha256(der).hexdigest().upper()
    validity = cert["tbs_certificate"]["validity"]
    return {
        "position": position,  # SIGNER | INTERMEDIATE | ANCHOR | UNANCHORED (the path stops short of any anchor)
        "subject": cert.subject.human_friendly,
        "subject_cn": str(cert.subject.native.get("common_name", "") or cert.subject.human_friendly),
        "issuer": cert.issuer.human_friendly,
        "serial": format(cert.serial_number, "X"),
        "not_before": iso_time(validity["not_before"].native),
        "not_after": iso_time(validity["not_after"].native),
        "sha256": sha,
        "store_entry": labels.get(sha, ""),
    }


async def certification_path(signer_cert, status_path, vc, labels: dict[str, str]) -> list[dict[str, Any]]:
    """Signer first, anchor last. The path pyHanko validated (or rejected: expired, revoked); else the first path
    the same context can build; else the signer's certificate alone, marked UNANCHORED."""
    path = status_path
    if path is None:
        try:
            paths = await vc.path_builder.async_build_paths(signer_cert)
            path = paths[0] if paths else None
        except Exception:  # noqa: BLE001 - no path to any anchor: reported as such
            path = None
    if path is None:
        return [_cert_entry(signer_cert, position="UNANCHORED", labels=labels)]
    certs = list(path.iter_certs(include_root=True))
    out = []
    for i, cert in enumerate(reversed(certs)):
        position = "SIGNER" if i == 0 else ("ANCHOR" if i == len(certs) - 1 else "INTERMEDIATE")
        out.append(_cert_entry(cert, position=position, labels=labels))
    return out


def _tst_time(signed_data) -> Any:
    try:
        return signed_data["encap_content_info"]["content"].parsed["gen_time"].native
    except Exception:  # noqa: BLE001
        return None


def time_evidence(
    sig, *, ts_time, reader, dss, dss_revision: int | None, cms_crls: int, cms_ocsps: int
) -> list[dict[str, Any]]:
    """Each proof of time or of certificate status the file brings for this signature, oldest first."""
    evidence: list[dict[str, Any]] = []
    if ts_time is not None:
        evidence.append({"kind": "SIGNATURE_TIMESTAMP", "time": iso_time(ts_time)})
    for doc_ts in reader.embedded_timestamp_signatures:
        if doc_ts.signed_revision > sig.signed_revision:
            evidence.append({"kind": "DOCUMENT_TIMESTAMP", "time": iso_time(_tst_time(doc_ts.signed_data))})
    if cms_crls or cms_ocsps:
        evidence.append({"kind": "CMS_REVOCATION", "time": None, "ocsps": cms_ocsps, "crls": cms_crls})
    if dss is not None:
        evidence.append(
            {
                "kind": "DSS",
                "time": None,
                "ocsps": len(list(dss.ocsps)),
                "crls": len(list(dss.crls)),
                "certs": len(list(dss.certs)),
                "after_signature": dss_revision is not None and dss_revision >= sig.signed_revision,
            }
        )
        try:
            contents = bytes(sig.sig_object["/Contents"])
            vri_key = "/" + hashlib.sha1(contents).hexdigest().upper()  # noqa: S324 - the VRI key is SHA-1 by spec
            if vri_key in dss.vri_entries:
                evidence.append({"kind": "VRI", "time": None})
        except Exception:  # noqa: BLE001, S110 - no usable VRI entry is the same as none
            pass
    return evidence
