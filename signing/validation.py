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
    "NOT_PADES": "",
}


def _reason(indication: str, sub: str, *, is_last: bool, modification_level: str) -> str:
    if indication == Indication.TOTAL_PASSED:
        if is_last:
            return "Chữ ký hợp lệ, chứng thư số tin cậy; văn bản không bị thay đổi sau khi ký."
        if modification_level in ("NONE", ""):
            return "Chữ ký hợp lệ, chứng thư số tin cậy; văn bản không bị thay đổi sau khi ký."
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


async def _validate_signature(sig, index: int, reader, data: bytes, options: ValidationOptions, ctx: dict):
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
        subfilter=str(sig.sig_object.get("/SubFilter", "")).lstrip("/"),
    )
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

    certs_der = list(
        dict.fromkeys([c.dump() for c in sig.other_embedded_certs] + [cert.dump()] + ts_certs + ctx["dss_certs"])
    )
    local_ocsps = ctx["local"].answers_for(certs_der) if ctx["local"] is not None else []
    roots = [ax509.Certificate.load(r) for r in options.trust_roots]
    common = {
        "trust_roots": roots,
        "other_certs": [ax509.Certificate.load(c) for c in certs_der],
        "allow_fetching": False,
        "ocsps": ctx["dss_ocsps"] + local_ocsps,
        "crls": ctx["dss_crls"],
        "revocation_mode": "hard-fail",
        "retroactive_revinfo": True,
    }
    ts_vc = ValidationContext(**common)
    # a time-stamped signature is judged at its time-stamp (was the certificate valid, not revoked, then?)
    signer_vc = ValidationContext(moment=ts_time, **common) if ts_time else ts_vc
    status = await async_validate_pdf_signature(sig, signer_validation_context=signer_vc, ts_validation_context=ts_vc)

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
        indication, sub = Indication.INDETERMINATE, (indic.name if indic is not None else "NO_CERTIFICATE_CHAIN_FOUND")
    elif ts_status is not None and not ts_status.trusted:
        indication, sub = Indication.INDETERMINATE, "TIMESTAMP_FAILURE"
    else:
        indication, sub = Indication.TOTAL_PASSED, ""
    report.indication = str(indication)
    report.sub_indication = sub
    return report


async def _validate_async(data: bytes, options: ValidationOptions) -> ValidationReport:
    from pyhanko.pdf_utils.reader import PdfFileReader

    import signing._speedups  # noqa: F401 - faster hex strings (signature /Contents) in pyHanko's parser

    sha = hashlib.sha256(data).hexdigest()
    reader = PdfFileReader(BytesIO(data), strict=False)
    if reader.encrypted:
        return _unreadable(sha, len(data), "Tệp PDF được mã hóa, không kiểm tra được khi không có mật khẩu.")
    sigs = list(reader.embedded_regular_signatures)
    if not sigs:
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
    last_end = max(int(s.byte_range[2]) + int(s.byte_range[3]) for s in sigs)
    reports = []
    for i, sig in enumerate(sigs):
        rep = await _validate_signature(sig, i, reader, data, options, ctx)
        rep.is_last = rep.signed_revision_end == last_end
        rep.reason = _reason(
            rep.indication, rep.sub_indication, is_last=rep.is_last, modification_level=rep.modification_level
        )
        reports.append(rep)
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
