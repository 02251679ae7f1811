"""Words for a verdict, at the Django edge: the validation library returns codes and data, this module renders
them in the active language (Vietnamese by default, English through the catalogue) for the pages and commands."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from signing.validation import ChangeAfterSigning, Indication, ReportReason, SignatureFormat, SubIndication

if TYPE_CHECKING:
    from signing.validation import SignatureReport, ValidationReport

__all__ = [
    "evidence_label",
    "fetch_label",
    "format_label",
    "integrity_line",
    "human_time",
    "pades_label",
    "path_position_label",
    "report_data",
    "report_reason",
    "signature_reason",
    "trust_line",
    "verdict_label",
    "verdict_time_label",
    "verdict_tone",
]

# What a verdict looks like: "ok" ✓, "bad" ✗, "unknown" ?; the pages show the mark, a colour and the words.
OK, BAD, UNKNOWN = "ok", "bad", "unknown"


def verdict_label(indication: str) -> str:
    labels = {
        Indication.TOTAL_PASSED: _("Hợp lệ"),
        Indication.TOTAL_FAILED: _("Không hợp lệ"),
        Indication.INDETERMINATE: _("Chưa xác định"),
        Indication.UNREADABLE: _("Không đọc được tệp"),
        Indication.NO_SIGNATURE: _("Không có chữ ký số"),
    }
    return labels.get(indication, indication)


def verdict_tone(indication: str) -> str:
    if indication == Indication.TOTAL_PASSED:
        return OK
    if indication in (Indication.TOTAL_FAILED, Indication.UNREADABLE):
        return BAD
    return UNKNOWN


def integrity_line(sig: SignatureReport) -> tuple[str, str]:
    """(tone, words) for "is the document what was signed?": the document's line, apart from the certificate's."""
    if not sig.intact:
        return BAD, _("Không — nội dung đã ký bị sửa sau khi ký")
    if not sig.valid:
        return BAD, _("Không — giá trị chữ ký số bị hỏng, không khớp với nội dung")
    change = sig.changes_after
    if change == ChangeAfterSigning.NONE:
        return OK, _("Có — văn bản không bị thay đổi sau khi ký")
    if change == ChangeAfterSigning.SIGNATURES:
        return OK, _("Có — sau chữ ký này chỉ thêm chữ ký số hoặc dấu thời gian")
    if change == ChangeAfterSigning.ANNOTATIONS and sig.indication != Indication.TOTAL_FAILED:
        return OK, _("Có — chỉ thêm ghi chú hoặc điền biểu mẫu, nội dung đã ký không đổi")
    return BAD, _("Không — văn bản bị sửa đổi ngoài phạm vi cho phép sau khi ký")


def trust_line(sig: SignatureReport) -> tuple[str, str]:
    """(tone, words) for "is the certificate trusted?", judged even when the document itself failed."""
    if sig.revoked:
        return BAD, _("Không — chứng thư số đã bị thu hồi")
    if sig.trusted:
        return OK, _("Có — chứng thư số do tổ chức chứng thực được tin cậy cấp")
    return BAD, _("Không — chứng thư số không dẫn tới tổ chức chứng thực nào được tin cậy")


def report_reason(report: ValidationReport) -> str:
    code = report.reason_code
    if code == ReportReason.TOO_LARGE:
        mb = int(report.detail.get("limit_bytes", 0)) // (1024 * 1024)
        return _("Tệp quá lớn (tối đa %(mb)s MB).") % {"mb": mb}
    if code == ReportReason.WORKER_ERROR:
        return _("Lỗi khi kiểm tra: %(error)s") % {"error": report.detail.get("error", "")}
    texts = {
        ReportReason.ALL_PASSED: _("Mọi chữ ký đều hợp lệ, tin cậy và văn bản không bị thay đổi sau khi ký."),
        ReportReason.SOME_FAILED: _("Có chữ ký không hợp lệ hoặc văn bản đã bị thay đổi sau khi ký."),
        ReportReason.SOME_INDETERMINATE: _("Chưa xác định được tính hợp lệ của ít nhất một chữ ký."),
        ReportReason.NO_SIGNATURE: _("Tệp PDF đọc được nhưng không có chữ ký số nào."),
        ReportReason.EMPTY: _("Tệp rỗng (0 byte)."),
        ReportReason.ZIP: _("Tệp là một tệp nén ZIP, không phải PDF."),
        ReportReason.NOT_PDF: _("Tệp không phải là PDF."),
        ReportReason.ENCRYPTED: _("Tệp PDF được mã hóa, không kiểm tra được khi không có mật khẩu."),
        ReportReason.MEMORY: _("Tệp PDF cần quá nhiều bộ nhớ để đọc (có thể là bom giải nén)."),
        ReportReason.NESTING: _("Cấu trúc tệp PDF lồng nhau bất thường, không đọc được."),
        ReportReason.DECODE_LIMIT: _("Tệp PDF vượt giới hạn giải nén (có thể là bom giải nén)."),
        ReportReason.CORRUPT: _("Tệp PDF hỏng hoặc bị cắt cụt, không đọc được."),
        ReportReason.MALFORMED: _("Tệp PDF không đọc được hoặc chữ ký có cấu trúc hỏng."),
        ReportReason.TIMEOUT: _("Kiểm tra tệp quá thời gian cho phép; tệp có thể bị làm hỏng có chủ ý."),
        ReportReason.RESOURCES: _("Tệp PDF cần quá nhiều tài nguyên để kiểm tra (có thể là bom giải nén)."),
    }
    return texts.get(code, code)


def human_time(value: str | None) -> str:
    """An ISO 8601 time of the report (+07:00) as people write it in Vietnam: 15/04/2026 09:30:00 (UTC+07:00)."""
    if not value:
        return ""
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        return value
    return moment.strftime("%d/%m/%Y %H:%M:%S (UTC%z)").replace("(UTC+0700)", "(UTC+07:00)")


def _in_validity(sig: SignatureReport, value: str | None) -> bool | None:
    if not (value and sig.signer_not_before and sig.signer_not_after):
        return None
    moment = dt.datetime.fromisoformat(value)
    return dt.datetime.fromisoformat(sig.signer_not_before) <= moment <= dt.datetime.fromisoformat(sig.signer_not_after)


def _out_of_bounds(sig: SignatureReport) -> str:
    """The certificate is outside its validity at the time the verdict is for, and nothing proves an earlier time."""
    dates = {
        "signed": human_time(sig.signing_time),
        "start": human_time(sig.signer_not_before),
        "end": human_time(sig.signer_not_after),
    }
    claimed_ok = _in_validity(sig, sig.signing_time)
    if claimed_ok:
        return (
            _(
                "chứng thư số còn hiệu lực vào thời điểm ký được khai báo (%(signed)s) nhưng đã hết hạn ngày "
                "%(end)s, và tệp không có bằng chứng về thời gian (không có dấu thời gian, không có dữ liệu kiểm tra "
                "dài hạn LTV) chứng minh chữ ký được tạo trước ngày đó"
            )
            % dates
        )
    if claimed_ok is False:
        return (
            _(
                "chứng thư số không có hiệu lực vào thời điểm ký được khai báo (%(signed)s): chứng thư chỉ có hiệu "
                "lực từ %(start)s đến %(end)s"
            )
            % dates
        )
    return (
        _(
            "chứng thư số chỉ có hiệu lực từ %(start)s đến %(end)s, và tệp không có bằng chứng về thời gian (không "
            "có dấu thời gian, không có dữ liệu kiểm tra dài hạn LTV) cho biết chữ ký được tạo lúc nào"
        )
        % dates
    )


def _problem(sub: str, sig: SignatureReport | None = None) -> str:
    if sig is not None and sub in (
        SubIndication.OUT_OF_BOUNDS_NO_POE,
        SubIndication.OUT_OF_BOUNDS_NOT_REVOKED,
        SubIndication.EXPIRED,
        SubIndication.NOT_YET_VALID,
    ):
        return _out_of_bounds(sig)
    texts = {
        SubIndication.HASH_FAILURE: _("nội dung đã bị thay đổi sau khi ký (sai giá trị băm)"),
        SubIndication.SIG_CRYPTO_FAILURE: _("giá trị chữ ký không khớp với chứng thư số"),
        SubIndication.MODIFIED_AFTER_SIGNING: _("văn bản bị sửa đổi sau khi ký ngoài phạm vi cho phép"),
        SubIndication.NO_CERTIFICATE_CHAIN_FOUND: _(
            "chứng thư số không thuộc tổ chức cung cấp dịch vụ tin cậy nào đã cấu hình"
        ),
        SubIndication.REVOKED: _("chứng thư số đã bị thu hồi"),
        SubIndication.REVOKED_NO_POE: _("chứng thư số đã bị thu hồi"),
        SubIndication.OUT_OF_BOUNDS_NO_POE: _("chứng thư số hết hạn hoặc chưa có hiệu lực vào thời điểm ký"),
        SubIndication.OUT_OF_BOUNDS_NOT_REVOKED: _("chứng thư số hết hạn hoặc chưa có hiệu lực vào thời điểm ký"),
        SubIndication.TRY_LATER: _("thiếu thông tin thu hồi (OCSP/CRL) để kiểm tra chứng thư số"),
        SubIndication.REVOCATION_DATA_MISSING: _("thiếu thông tin thu hồi (OCSP/CRL) để kiểm tra chứng thư số"),
        SubIndication.CHAIN_CONSTRAINTS_FAILURE: _("chuỗi chứng thư số không hợp lệ"),
        SubIndication.CERTIFICATE_CHAIN_GENERAL_FAILURE: _("chuỗi chứng thư số không hợp lệ"),
        SubIndication.TIMESTAMP_FAILURE: _("dấu thời gian không hợp lệ"),
        SubIndication.CRYPTO_CONSTRAINTS_FAILURE: _(
            "chữ ký dùng thuật toán đã lỗi thời, không còn đủ an toàn (ví dụ SHA-1)"
        ),
        SubIndication.CRYPTO_CONSTRAINTS_FAILURE_NO_POE: _(
            "chữ ký dùng thuật toán đã lỗi thời, không còn đủ an toàn (ví dụ SHA-1)"
        ),
        SubIndication.FORMAT_FAILURE: _("định dạng chữ ký không được hỗ trợ"),
    }
    return texts.get(sub) or sub.replace("_", " ").lower()


def signature_reason(sig: SignatureReport) -> str:
    if sig.indication == Indication.TOTAL_PASSED:
        if sig.changes_after is ChangeAfterSigning.ANNOTATIONS:
            return _(
                "Chữ ký hợp lệ, chứng thư số tin cậy; nội dung đã ký không đổi, sau khi ký chỉ có thêm ghi chú "
                "(annotation) hoặc điền biểu mẫu."
            )
        if sig.changes_after is ChangeAfterSigning.SIGNATURES:
            return _("Chữ ký hợp lệ, chứng thư số tin cậy; sau chữ ký này chỉ có thêm chữ ký/dấu thời gian hợp lệ.")
        return _("Chữ ký hợp lệ, chứng thư số tin cậy; văn bản không bị thay đổi sau khi ký.")
    if sig.indication == Indication.TOTAL_FAILED:
        return _("Chữ ký không hợp lệ: %(problem)s.") % {"problem": _problem(sig.sub_indication, sig)}
    return _("Chưa xác định được tính hợp lệ của chữ ký: %(problem)s.") % {"problem": _problem(sig.sub_indication, sig)}


def verdict_time_label(sig: SignatureReport) -> str:
    if sig.verdict_time_basis == "SIGNATURE_TIMESTAMP":
        return _("%(time)s — thời điểm ghi trong dấu thời gian của chữ ký") % {"time": human_time(sig.verdict_time)}
    return _("%(time)s — thời điểm kiểm tra (không có dấu thời gian hợp lệ nào cho biết thời điểm ký)") % {
        "time": human_time(sig.verdict_time)
    }


def fetch_label(entry: dict) -> str:
    """One fetch of the validation, in words: what, from where, and why not when it was refused."""
    kinds = {
        "CA_ISSUER": _("chứng thư CA cấp trên (AIA)"),
        "OCSP": _("phản hồi OCSP"),
        "CRL": _("danh sách thu hồi (CRL)"),
    }
    values = {"kind": kinds.get(entry.get("kind"), entry.get("kind")), "url": entry.get("url", "")}
    outcome = entry.get("outcome")
    texts = {
        "FETCHED": _("Đã tải %(kind)s từ %(url)s"),
        "CACHED": _("Dùng %(kind)s đã tải trước đó từ %(url)s (bộ nhớ đệm)"),
        "REFUSED_HOST": _("Không tải %(kind)s từ %(url)s: máy chủ không nằm trong danh sách được phép"),
        "TIMEOUT": _("Không tải được %(kind)s từ %(url)s: máy chủ không trả lời kịp thời gian cho phép"),
        "TOO_LARGE": _("Không tải %(kind)s từ %(url)s: dữ liệu lớn hơn giới hạn cho phép"),
    }
    if outcome in texts:
        return texts[outcome] % values
    return _("Không tải được %(kind)s từ %(url)s: %(reason)s") % {**values, "reason": entry.get("reason", "")}


_POSITIONS = {
    "SIGNER": gettext_lazy("Chứng thư của người ký"),
    "INTERMEDIATE": gettext_lazy("CA trung gian"),
    "ANCHOR": gettext_lazy("Gốc tin cậy"),
    "UNANCHORED": gettext_lazy("Chứng thư của người ký — không dựng được chuỗi tới gốc tin cậy nào trong kho"),
}


def path_position_label(position: str) -> str:
    """Where a certificate sits in the certification path (`SignatureReport.certification_path`)."""
    return str(_POSITIONS.get(position, position))


def evidence_label(item: dict) -> str:
    kind = item.get("kind")
    when = human_time(item.get("time"))
    if kind == "SIGNATURE_TIMESTAMP":
        return _("Dấu thời gian của chữ ký: %(time)s") % {"time": when}
    if kind == "DOCUMENT_TIMESTAMP":
        return _("Dấu thời gian tài liệu (sau chữ ký): %(time)s") % {"time": when}
    if kind == "CMS_REVOCATION":
        return _("Thông tin thu hồi kèm trong chữ ký: %(ocsps)s phản hồi OCSP, %(crls)s CRL") % item
    if kind == "DSS":
        if item.get("after_signature"):
            return (
                _("Kho dữ liệu kiểm tra (DSS, thêm sau khi ký): %(ocsps)s OCSP, %(crls)s CRL, %(certs)s chứng thư")
                % item
            )
        return _("Kho dữ liệu kiểm tra (DSS): %(ocsps)s OCSP, %(crls)s CRL, %(certs)s chứng thư") % item
    if kind == "VRI":
        return _("Mục VRI riêng cho chữ ký này trong DSS")
    return str(kind)


def pades_label(level: str) -> str:
    labels = {
        "B-B": _("PAdES B-B (chữ ký cơ bản)"),
        "B-T": _("PAdES B-T (có dấu thời gian)"),
        "B-LT": _("PAdES B-LT (có dấu thời gian và thông tin thu hồi để kiểm tra lâu dài)"),
        "B-LTA": _("PAdES B-LTA (lưu trữ dài hạn, có dấu thời gian tài liệu)"),
        "": _("Không phải PAdES (định dạng PKCS#7 cũ)"),
    }
    return labels.get(level, level)


def format_label(sig: SignatureReport) -> str:
    """The signature's format in words (SubFilter family, PAdES level, time-stamp)."""
    fmt = sig.signature_format
    if fmt == SignatureFormat.PADES:
        return _("PAdES %(level)s (CAdES, ETSI EN 319 142-1)") % {"level": sig.pades_level}
    labels = {
        SignatureFormat.PKCS7_DETACHED: _("PKCS#7 tách rời (adbe.pkcs7.detached), không phải PAdES"),
        SignatureFormat.PKCS7_SHA1: _("PKCS#7 SHA-1 cũ (adbe.pkcs7.sha1), không phải PAdES"),
        SignatureFormat.X509_RSA_SHA1: _("Chữ ký RSA thô cũ (adbe.x509.rsa_sha1), không phải PAdES"),
    }
    label = labels.get(fmt) or _("Định dạng chữ ký không hỗ trợ (%(subfilter)s)") % {"subfilter": sig.subfilter}
    if sig.has_timestamp:
        label = _("%(format)s, có dấu thời gian") % {"format": label}
    return label


def report_data(report: ValidationReport) -> dict:
    """The report as JSON-safe data plus its explanations in the active language (`reason`, `format_label`)."""
    data = report.to_dict()
    data["reason"] = report_reason(report)
    for sig, out in zip(report.signatures, data["signatures"], strict=True):
        out["reason"] = signature_reason(sig)
        out["format_label"] = format_label(sig)
        out["verdict_time_label"] = verdict_time_label(sig)
        for entry in out["certification_path"]:
            entry["position_label"] = path_position_label(entry["position"])
        for item in out["time_evidence"]:
            item["label"] = evidence_label(item)
        for entry in out["fetched"]:
            entry["label"] = fetch_label(entry)
    return data
