"""The verdict as data: what `validate_bytes` returns, free of Django and of words.

Codes follow ETSI EN 319 102-1 (indication, sub-indication) and pyHanko (modification level, coverage); the
Django edge (`signing.explain`) turns them into Vietnamese or English sentences. Everything here survives a
round trip through `to_dict` / `from_dict` (JSON, the isolated worker's pipe).
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = [
    "EXIT_CODES",
    "ChangeAfterSigning",
    "Coverage",
    "Indication",
    "ModificationLevel",
    "ReportReason",
    "SignatureFormat",
    "SignatureReport",
    "SubIndication",
    "VN_TZ",
    "ValidationReport",
    "iso_time",
]

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


class SubIndication(enum.StrEnum):
    """ETSI EN 319 102-1 sub-indications (as pyHanko names them), plus two of ours for PDF specifics."""

    # TOTAL_FAILED
    HASH_FAILURE = "HASH_FAILURE"
    SIG_CRYPTO_FAILURE = "SIG_CRYPTO_FAILURE"
    REVOKED = "REVOKED"
    NOT_YET_VALID = "NOT_YET_VALID"
    FORMAT_FAILURE = "FORMAT_FAILURE"
    MODIFIED_AFTER_SIGNING = "MODIFIED_AFTER_SIGNING"  # ours: a later revision changed what was signed
    TIMESTAMP_FAILURE = "TIMESTAMP_FAILURE"  # ours: the signature time-stamp token is broken
    # INDETERMINATE
    SIG_CONSTRAINTS_FAILURE = "SIG_CONSTRAINTS_FAILURE"
    CHAIN_CONSTRAINTS_FAILURE = "CHAIN_CONSTRAINTS_FAILURE"
    CERTIFICATE_CHAIN_GENERAL_FAILURE = "CERTIFICATE_CHAIN_GENERAL_FAILURE"
    CRYPTO_CONSTRAINTS_FAILURE = "CRYPTO_CONSTRAINTS_FAILURE"
    CRYPTO_CONSTRAINTS_FAILURE_NO_POE = "CRYPTO_CONSTRAINTS_FAILURE_NO_POE"
    EXPIRED = "EXPIRED"
    POLICY_PROCESSING_ERROR = "POLICY_PROCESSING_ERROR"
    SIGNATURE_POLICY_NOT_AVAILABLE = "SIGNATURE_POLICY_NOT_AVAILABLE"
    TIMESTAMP_ORDER_FAILURE = "TIMESTAMP_ORDER_FAILURE"
    NO_SIGNING_CERTIFICATE_FOUND = "NO_SIGNING_CERTIFICATE_FOUND"
    NO_CERTIFICATE_CHAIN_FOUND = "NO_CERTIFICATE_CHAIN_FOUND"
    REVOKED_NO_POE = "REVOKED_NO_POE"
    REVOKED_CA_NO_POE = "REVOKED_CA_NO_POE"
    OUT_OF_BOUNDS_NO_POE = "OUT_OF_BOUNDS_NO_POE"
    REVOCATION_OUT_OF_BOUNDS_NO_POE = "REVOCATION_OUT_OF_BOUNDS_NO_POE"
    OUT_OF_BOUNDS_NOT_REVOKED = "OUT_OF_BOUNDS_NOT_REVOKED"
    NO_POE = "NO_POE"
    TRY_LATER = "TRY_LATER"
    SIGNED_DATA_NOT_FOUND = "SIGNED_DATA_NOT_FOUND"
    GENERIC = "GENERIC"
    REVOCATION_DATA_MISSING = "REVOCATION_DATA_MISSING"


class ModificationLevel(enum.StrEnum):
    """What was changed after a signature (pyHanko's diff analysis), weakest first."""

    NONE = "NONE"
    LTA_UPDATES = "LTA_UPDATES"  # validation data (DSS) and document time-stamps
    FORM_FILLING = "FORM_FILLING"  # form fields filled, further signatures
    ANNOTATIONS = "ANNOTATIONS"  # markup annotations (notes, highlights)
    OTHER = "OTHER"  # anything else: the content changed

    @property
    def rank(self) -> int:
        return list(ModificationLevel).index(self)


class Coverage(enum.StrEnum):
    """How much of the file the signature's byte range covers (pyHanko's SignatureCoverageLevel)."""

    UNCLEAR = "UNCLEAR"
    CONTIGUOUS_BLOCK_FROM_START = "CONTIGUOUS_BLOCK_FROM_START"
    ENTIRE_REVISION = "ENTIRE_REVISION"
    ENTIRE_FILE = "ENTIRE_FILE"


class ChangeAfterSigning(enum.StrEnum):
    """The one answer every app needs to "was the document changed after this signature?"."""

    NONE = "NONE"  # nothing after it, or only validation data (DSS, document time-stamps)
    SIGNATURES = "SIGNATURES"  # only further signatures, time-stamps or form filling
    ANNOTATIONS = "ANNOTATIONS"  # markup annotations added; the signed content is unchanged
    CONTENT = "CONTENT"  # a later revision changed the content
    SIGNED_BYTES = "SIGNED_BYTES"  # the signed bytes themselves were altered


class SignatureFormat(enum.StrEnum):
    """SubFilter family. Only ETSI.CAdES.detached is PAdES (EN 319 142-1); the others are the ISO 32000 formats
    that Acrobat, Java SDKs and many Vietnamese CA tools still write."""

    PADES = "PADES"
    PKCS7_DETACHED = "PKCS7_DETACHED"
    PKCS7_SHA1 = "PKCS7_SHA1"
    X509_RSA_SHA1 = "X509_RSA_SHA1"
    UNKNOWN = "UNKNOWN"


class ReportReason(enum.StrEnum):
    """Why a whole file got no per-signature verdict (UNREADABLE, NO_SIGNATURE), or the summary otherwise."""

    ALL_PASSED = "ALL_PASSED"
    SOME_FAILED = "SOME_FAILED"
    SOME_INDETERMINATE = "SOME_INDETERMINATE"
    NO_SIGNATURE = "NO_SIGNATURE"
    EMPTY = "EMPTY"
    ZIP = "ZIP"
    NOT_PDF = "NOT_PDF"
    ENCRYPTED = "ENCRYPTED"
    TOO_LARGE = "TOO_LARGE"  # detail: limit_bytes
    MEMORY = "MEMORY"
    NESTING = "NESTING"
    DECODE_LIMIT = "DECODE_LIMIT"
    CORRUPT = "CORRUPT"
    MALFORMED = "MALFORMED"
    TIMEOUT = "TIMEOUT"
    RESOURCES = "RESOURCES"
    WORKER_ERROR = "WORKER_ERROR"  # detail: error


def iso_time(value: dt.datetime | None) -> str | None:
    """ISO 8601 in Vietnam's time (+07:00), to the second; naive values are UTC."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(VN_TZ).replace(microsecond=0).isoformat()


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
    signer_not_before: str | None = None
    signer_not_after: str | None = None
    # the moment the verdict is for: the signature time-stamp when there is a valid one, else the validation time
    verdict_time: str | None = None
    verdict_time_basis: str = ""  # SIGNATURE_TIMESTAMP | VALIDATION_TIME
    # signer first, anchor last: position, subject, subject_cn, issuer, serial, not_before, not_after, sha256,
    # store_entry (the trust store entry the certificate matched, "" if none)
    certification_path: list[dict[str, Any]] = field(default_factory=list)
    # kind (SIGNATURE_TIMESTAMP | DOCUMENT_TIMESTAMP | CMS_REVOCATION | DSS | VRI), time, counts
    time_evidence: list[dict[str, Any]] = field(default_factory=list)
    # what was fetched for this signature (when the operator allows it): url, kind (CA_ISSUER | OCSP | CRL),
    # outcome (FETCHED | CACHED | REFUSED_HOST | TIMEOUT | TOO_LARGE | FAILED), reason
    fetched: list[dict[str, Any]] = field(default_factory=list)
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
    digest_algorithm: str = ""
    signature_algorithm: str = ""
    indication: str = Indication.INDETERMINATE
    sub_indication: str = ""
    signed_revision_end: int = 0
    signed_revision_bytes_sha256: str = ""
    base_revision_end: int = 0
    base_revision_bytes_sha256: str = ""
    is_last: bool = False

    @property
    def changes_after(self) -> ChangeAfterSigning:
        if not self.intact:
            return ChangeAfterSigning.SIGNED_BYTES
        if self.coverage == Coverage.ENTIRE_FILE:
            return ChangeAfterSigning.NONE
        try:
            level = ModificationLevel(self.modification_level)
        except ValueError:  # not analysed (unsupported format): assume the worst
            return ChangeAfterSigning.CONTENT
        return {
            ModificationLevel.NONE: ChangeAfterSigning.NONE,
            ModificationLevel.LTA_UPDATES: ChangeAfterSigning.NONE,
            ModificationLevel.FORM_FILLING: ChangeAfterSigning.SIGNATURES,
            ModificationLevel.ANNOTATIONS: ChangeAfterSigning.ANNOTATIONS,
            ModificationLevel.OTHER: ChangeAfterSigning.CONTENT,
        }[level]

    @property
    def unchanged_after_signing(self) -> bool:
        """The file is exactly what was signed, plus at most validation data and document time-stamps."""
        return self.changes_after is ChangeAfterSigning.NONE

    @property
    def has_timestamp(self) -> bool:
        return self.timestamp_time is not None

    @property
    def anchored(self) -> bool:
        """The certification path ends at a trust anchor."""
        return bool(self.certification_path) and self.certification_path[-1]["position"] == "ANCHOR"


@dataclass
class ValidationReport:
    indication: str
    file_sha256: str
    size: int = 0
    reason_code: str = ""
    detail: dict[str, Any] = field(default_factory=dict)
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

    @classmethod
    def unreadable(cls, sha256: str, size: int, reason: ReportReason, **detail: Any) -> ValidationReport:
        return cls(indication=Indication.UNREADABLE, file_sha256=sha256, size=size, reason_code=reason, detail=detail)
