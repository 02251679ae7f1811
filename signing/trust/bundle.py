"""Certificate bundles as CAs publish them (rootca.gov.vn: .p7b, .cer, .crt, .pem, .der), read into certificates
with the facts the trust store keeps. Free of Django; every failure is a `BundleError` with a stable code."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from asn1crypto import cms, pem
from asn1crypto import x509 as ax509

__all__ = [
    "BUNDLED_DIR",
    "BundleError",
    "BundledEntry",
    "CertificateFacts",
    "bundled_entries",
    "certificate_facts",
    "read_bundle",
]

BUNDLED_DIR = Path(__file__).resolve().parent
MAX_BUNDLE_BYTES = 2 * 1024 * 1024
MAX_CERTIFICATES = 200


class BundleError(ValueError):
    """`code`: empty | too_large | malformed | not_ca | too_many; `subject` names the refused certificate."""

    def __init__(self, code: str, message: str, *, subject: str = ""):
        super().__init__(message)
        self.code = code
        self.subject = subject


@dataclass(frozen=True)
class CertificateFacts:
    der: bytes
    sha256: str  # upper-case hex, as CAs publish fingerprints
    subject: str
    subject_cn: str
    issuer: str
    serial: str
    not_before: dt.datetime
    not_after: dt.datetime
    is_ca: bool
    self_signed: bool


def _name(name: ax509.Name) -> str:
    return name.human_friendly


def certificate_facts(cert: ax509.Certificate) -> CertificateFacts:
    der = cert.dump()
    validity = cert["tbs_certificate"]["validity"]
    return CertificateFacts(
        der=der,
        sha256=hashlib.sha256(der).hexdigest().upper(),
        subject=_name(cert.subject),
        subject_cn=str(cert.subject.native.get("common_name", "") or _name(cert.subject)),
        issuer=_name(cert.issuer),
        serial=format(cert.serial_number, "X"),
        not_before=validity["not_before"].native,
        not_after=validity["not_after"].native,
        is_ca=bool(cert.ca),
        self_signed=cert.self_signed in ("yes", "maybe"),
    )


def _load(der: bytes) -> ax509.Certificate:
    cert = ax509.Certificate.load(der, strict=True)
    cert.native  # noqa: B018 - a full parse: a truncated or garbled certificate fails here, not later
    return cert


def _p7b_certs(der: bytes) -> list[ax509.Certificate]:
    info = cms.ContentInfo.load(der, strict=True)
    if info["content_type"].native != "signed_data":
        raise ValueError("PKCS#7 without SignedData")
    return [choice.chosen for choice in info["content"]["certificates"] or [] if choice.name == "certificate"]


def _parse(data: bytes) -> list[ax509.Certificate]:
    if pem.detect(data):
        certs: list[ax509.Certificate] = []
        for kind, _headers, der in pem.unarmor(data, multiple=True):
            if kind in ("PKCS7", "CMS"):
                certs.extend(_p7b_certs(der))
            elif kind in ("CERTIFICATE", "X509 CERTIFICATE", "TRUSTED CERTIFICATE"):
                certs.append(_load(der))
            else:
                raise ValueError(f"unexpected PEM block {kind}")
        return certs
    try:
        return [_load(data)]
    except ValueError:
        return _p7b_certs(data)


def read_bundle(data: bytes, *, require_ca: bool = True) -> list[CertificateFacts]:
    """Every certificate of a PEM/DER certificate or PKCS#7 (.p7b) bundle, de-duplicated, in file order.

    All or nothing: a malformed bundle, an empty one, or (with `require_ca`) any certificate that is not a CA
    certificate refuses the whole bundle."""
    if not data.strip():
        raise BundleError("empty", "the file is empty")
    if len(data) > MAX_BUNDLE_BYTES:
        raise BundleError("too_large", f"bundle larger than {MAX_BUNDLE_BYTES} bytes")
    try:
        certs = _parse(data)
        facts = [certificate_facts(c) for c in certs]
    except Exception as exc:  # noqa: BLE001 - asn1crypto raises ValueError, TypeError, KeyError... on garbage
        raise BundleError("malformed", f"not a certificate bundle: {type(exc).__name__}: {exc}") from exc
    if not facts:
        raise BundleError("empty", "the bundle holds no certificate")
    if len(facts) > MAX_CERTIFICATES:
        raise BundleError("too_many", f"more than {MAX_CERTIFICATES} certificates")
    if require_ca:
        for fact in facts:
            if not fact.is_ca:
                raise BundleError("not_ca", f"not a CA certificate: {fact.subject}", subject=fact.subject_cn)
    return list({f.sha256: f for f in facts}.values())


@dataclass(frozen=True)
class BundledEntry:
    facts: CertificateFacts
    role: str  # "anchor" | "intermediate"
    source: str  # "vn/<file>"
    source_url: str
    confidence: str
    note: str = ""


def bundled_entries(name: str = "vn") -> list[BundledEntry]:
    """The store shipped with the project (`signing/trust/<name>/manifest.json`), each file checked against the
    fingerprint its manifest records."""
    folder = BUNDLED_DIR / name
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    out = []
    for item in manifest["entries"]:
        facts = read_bundle((folder / item["file"]).read_bytes(), require_ca=False)
        if len(facts) != 1 or facts[0].sha256 != item["sha256"].upper():
            raise BundleError("malformed", f"{name}/{item['file']} does not match its manifest fingerprint")
        out.append(
            BundledEntry(
                facts=facts[0],
                role=item["role"],
                source=f"{name}/{item['file']}",
                source_url=item.get("source_url", ""),
                confidence=item.get("confidence", ""),
                note=item.get("note", ""),
            )
        )
    return out
