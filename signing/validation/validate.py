"""`validate_bytes`: any PDF into a `ValidationReport`, in this process. Every failure of the reader or the validator
becomes a verdict. Nothing is ever fetched here: trust roots, intermediates and revocation data come from the
caller (`ValidationOptions`), the file's DSS and CMS, and, for the development PKI only, an in-process source.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import hashlib
import logging
from dataclasses import dataclass, field
from io import BytesIO
from typing import Any

from signing import compat
from signing.validation import evidence, reasoning
from signing.validation.fetching import Fetcher, FetchPolicy
from signing.validation.legacy import LEGACY_SUBFILTERS, collect_signatures, validate_legacy_signature
from signing.validation.policy import diff_policy
from signing.validation.report import (
    Indication,
    ReportReason,
    SignatureReport,
    SubIndication,
    ValidationReport,
    iso_time,
)

__all__ = ["ValidationOptions", "validate_bytes"]

log = logging.getLogger(__name__)


@dataclass
class ValidationOptions:
    """`trust_roots` end paths; `intermediates` (the trust store's CA certificates) only help build them;
    `labels` names a store certificate by its SHA-256 (upper-case hex) for the report."""

    trust_roots: list[bytes] = field(default_factory=list)
    intermediates: list[bytes] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)
    # None: nothing is fetched (the default); else missing issuers and OCSP/CRL answers within this policy
    fetch: FetchPolicy | None = None
    dev_pki_dir: str | None = None
    timeout: float = 10.0
    memory_mb: int = 1024


@functools.lru_cache(maxsize=1024)
def _certificate(der: bytes):
    """A parsed certificate, shared by every validation of this process: asn1crypto caches what it computes on
    the object (key identifiers, hashable names), so the trust store is parsed once per process, not per file."""
    from asn1crypto import x509 as ax509

    return ax509.Certificate.load(der)


def _unsupported_report(index: int, fq_name: str, subfilter: str, sig_obj, data: bytes) -> SignatureReport:
    report = SignatureReport(
        index=index,
        field_name=fq_name,
        subfilter=subfilter.lstrip("/"),
        signature_format=evidence.signature_format(subfilter),
        indication=Indication.INDETERMINATE,
        sub_indication=SubIndication.FORMAT_FAILURE,
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
        return SubIndication.REVOCATION_DATA_MISSING
    except Exception:  # noqa: BLE001 - any other failure keeps pyHanko's classification
        return None
    return None


async def _chain_trusted(sig, vc) -> bool:
    """Whether the signer's certificate chains to a trusted root, judged on its own. pyHanko stops at a broken
    hash or signature value and leaves `trusted` False without looking at the certificate; the report must still
    say which of the two failed (a tampered document signed with a trusted certificate is the document's fault)."""
    from pyhanko_certvalidator import CertificateValidator
    from pyhanko_certvalidator.errors import PathBuildingError, ValidationError

    try:
        await CertificateValidator(
            sig.signer_cert, intermediate_certs=sig.other_embedded_certs, validation_context=vc
        ).async_validate_usage(set())
    except (PathBuildingError, ValidationError):
        return False
    return True


async def _validate_signature(
    sig, subfilter: str, index: int, reader, data: bytes, options: ValidationOptions, ctx: dict
) -> SignatureReport:
    from pyhanko.sign.diff_analysis import ModificationLevel
    from pyhanko.sign.validation.pdf_embedded import async_validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    cert = sig.signer_cert
    ts_time, ts_certs = evidence.timestamp_token(sig)
    validity = cert["tbs_certificate"]["validity"]
    report = SignatureReport(
        index=index,
        field_name=str(sig.field_name or ""),
        signer_common_name=evidence.name_attr(cert, "common_name"),
        signer_organisation=evidence.name_attr(cert, "organization_name"),
        signer_serial=format(cert.serial_number, "X"),
        signer_uid=evidence.name_attr(cert, "user_id"),
        signer_issuer=str(cert.issuer.native.get("common_name", "")),
        signing_time=iso_time(sig.self_reported_timestamp),
        timestamp_time=iso_time(ts_time),
        signer_not_before=iso_time(validity["not_before"].native),
        signer_not_after=iso_time(validity["not_after"].native),
        subfilter=subfilter.lstrip("/"),
    )
    report.digest_algorithm, report.signature_algorithm = evidence.algorithms(sig)
    br = [int(x) for x in sig.byte_range]
    covered_end = br[2] + br[3]
    report.signed_revision_end = covered_end
    report.signed_revision_bytes_sha256 = hashlib.sha256(data[:covered_end]).hexdigest()
    base_end = evidence.base_revision_end(data, covered_end)
    report.base_revision_end = base_end
    report.base_revision_bytes_sha256 = hashlib.sha256(data[:base_end]).hexdigest() if base_end else ""
    report.pades_level = evidence.pades_level(
        sig, ts_time=ts_time, dss_revision=ctx["dss_revision"], doc_ts_revisions=ctx["doc_ts_revisions"]
    )
    report.signature_format = evidence.signature_format(subfilter)
    cms_crls, cms_ocsps = evidence.cms_revocation(sig)
    report.time_evidence = reasoning.time_evidence(
        sig,
        ts_time=ts_time,
        reader=reader,
        dss=ctx["dss"],
        dss_revision=ctx["dss_revision"],
        cms_crls=len(cms_crls),
        cms_ocsps=len(cms_ocsps),
    )

    certs_der = list(
        dict.fromkeys([c.dump() for c in sig.other_embedded_certs] + [cert.dump()] + ts_certs + ctx["dss_certs"])
    )
    local_ocsps = ctx["local"].answers_for(certs_der + options.intermediates) if ctx["local"] is not None else []
    pool = [_certificate(c) for c in certs_der] + ctx["intermediates"]
    fetched: tuple[list[bytes], list[bytes], list[bytes]] = ([], [], [])
    if options.fetch is not None and options.fetch.allowed_hosts:
        fetcher = Fetcher(options.fetch)
        own_revinfo = ctx["dss_ocsps"] or ctx["dss_crls"] or cms_ocsps or cms_crls or local_ocsps
        fetched = fetcher.gather(cert, pool, ctx["roots"], revocation=not own_revinfo)
        report.fetched = fetcher.log
    common = {
        "trust_roots": ctx["roots"],
        "other_certs": pool + [_certificate(c) for c in fetched[0]],
        "allow_fetching": False,
        "ocsps": ctx["dss_ocsps"] + cms_ocsps + local_ocsps + fetched[1],
        "crls": ctx["dss_crls"] + cms_crls + fetched[2],
        "revocation_mode": "hard-fail",
        "retroactive_revinfo": True,
    }
    now = dt.datetime.now(dt.UTC)
    ts_vc = ValidationContext(**common)
    # a time-stamped signature is judged at its time-stamp (was the certificate valid, not revoked, then?)
    signer_vc = ValidationContext(moment=ts_time, **common) if ts_time else ts_vc
    if subfilter in LEGACY_SUBFILTERS:
        status = await validate_legacy_signature(sig, signer_vc, ts_vc, diff_policy())
    else:
        status = await async_validate_pdf_signature(
            sig, signer_validation_context=signer_vc, ts_validation_context=ts_vc, diff_policy=diff_policy()
        )

    report.intact = bool(status.intact)
    report.valid = bool(status.valid)
    report.revoked = bool(status.revoked)
    report.trusted = bool(status.trusted) if status.intact and status.valid else await _chain_trusted(sig, signer_vc)
    report.coverage = status.coverage.name if status.coverage is not None else ""
    level = status.modification_level
    report.modification_level = level.name if level is not None else ""
    report.docmdp_ok = status.docmdp_ok
    report.certification_path = await reasoning.certification_path(
        cert, getattr(status, "validation_path", None), signer_vc, options.labels
    )

    ts_status = status.timestamp_validity
    if not status.intact:
        indication, sub = Indication.TOTAL_FAILED, SubIndication.HASH_FAILURE
    elif not status.valid:
        indication, sub = Indication.TOTAL_FAILED, SubIndication.SIG_CRYPTO_FAILURE
    elif (
        status.docmdp_ok is False
        or level == ModificationLevel.OTHER
        or status.coverage not in (SignatureCoverageLevel.ENTIRE_FILE, SignatureCoverageLevel.ENTIRE_REVISION)
    ):
        indication, sub = Indication.TOTAL_FAILED, SubIndication.MODIFIED_AFTER_SIGNING
    elif ts_status is not None and not (ts_status.intact and ts_status.valid):
        indication, sub = Indication.TOTAL_FAILED, SubIndication.TIMESTAMP_FAILURE
    elif status.revoked:
        indication, sub = Indication.INDETERMINATE, SubIndication.REVOKED
    elif not status.trusted:
        indic = status.trust_problem_indic
        sub = indic.name if indic is not None else SubIndication.NO_CERTIFICATE_CHAIN_FOUND
        if sub == SubIndication.CERTIFICATE_CHAIN_GENERAL_FAILURE:
            sub = await _chain_problem(sig, signer_vc) or sub
        indication = Indication.INDETERMINATE
    elif ts_status is not None and not ts_status.trusted:
        indication, sub = Indication.INDETERMINATE, SubIndication.TIMESTAMP_FAILURE
    else:
        indication, sub = Indication.TOTAL_PASSED, ""
    report.indication = str(indication)
    report.sub_indication = str(sub)
    ts_usable = ts_time is not None and ts_status is not None and ts_status.intact and ts_status.valid
    report.verdict_time = iso_time(ts_time if ts_usable else now)
    report.verdict_time_basis = "SIGNATURE_TIMESTAMP" if ts_usable else "VALIDATION_TIME"
    return report


async def _validate_async(data: bytes, options: ValidationOptions) -> ValidationReport:
    from pyhanko.pdf_utils.reader import PdfFileReader

    compat.install()
    sha = hashlib.sha256(data).hexdigest()
    reader = PdfFileReader(BytesIO(data), strict=False)
    if reader.encrypted:
        return ValidationReport.unreadable(sha, len(data), ReportReason.ENCRYPTED)
    found = collect_signatures(reader)
    if not found:
        return ValidationReport(
            indication=Indication.NO_SIGNATURE, file_sha256=sha, size=len(data), reason_code=ReportReason.NO_SIGNATURE
        )
    dss_revision, dss = evidence.dss_info(reader)
    ctx: dict[str, Any] = {
        "dss_revision": dss_revision,
        "doc_ts_revisions": [s.signed_revision for s in reader.embedded_timestamp_signatures],
        "dss_certs": [],
        "dss_ocsps": [],
        "dss_crls": [],
        "dss": dss,
        "local": None,
        # parsed once per file, shared by every signature's validation contexts
        "roots": [_certificate(r) for r in options.trust_roots],
        "intermediates": [_certificate(c) for c in options.intermediates],
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
    indications = {r.indication for r in reports}
    if Indication.TOTAL_FAILED in indications:
        overall, reason = Indication.TOTAL_FAILED, ReportReason.SOME_FAILED
    elif Indication.INDETERMINATE in indications:
        overall, reason = Indication.INDETERMINATE, ReportReason.SOME_INDETERMINATE
    else:
        overall, reason = Indication.TOTAL_PASSED, ReportReason.ALL_PASSED
    return ValidationReport(indication=overall, file_sha256=sha, size=len(data), reason_code=reason, signatures=reports)


def validate_bytes(data: bytes, options: ValidationOptions) -> ValidationReport:
    """Validate in this process. Every failure of the reader or validator becomes a verdict."""
    sha = hashlib.sha256(data).hexdigest()
    if not data:
        return ValidationReport.unreadable(sha, 0, ReportReason.EMPTY)
    head = data[:1024]
    if b"%PDF-" not in head:
        if head.startswith(b"PK\x03\x04"):
            return ValidationReport.unreadable(sha, len(data), ReportReason.ZIP)
        return ValidationReport.unreadable(sha, len(data), ReportReason.NOT_PDF)
    try:
        return asyncio.run(_validate_async(data, options))
    except MemoryError:
        return ValidationReport.unreadable(sha, len(data), ReportReason.MEMORY)
    except RecursionError:
        return ValidationReport.unreadable(sha, len(data), ReportReason.NESTING)
    except Exception as exc:  # noqa: BLE001 - every exception type of a hostile file becomes a verdict
        from pyhanko.pdf_utils.misc import PdfReadError

        log.info("unreadable PDF %s: %s: %s", sha[:12], type(exc).__name__, exc)
        if "decode" in str(exc).lower() and "limit" in str(exc).lower():
            return ValidationReport.unreadable(sha, len(data), ReportReason.DECODE_LIMIT)
        if isinstance(exc, PdfReadError):
            return ValidationReport.unreadable(sha, len(data), ReportReason.CORRUPT)
        return ValidationReport.unreadable(sha, len(data), ReportReason.MALFORMED)
