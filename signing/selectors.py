"""Reads for the verification pages."""

from __future__ import annotations

from signing.models import IssuedRevision
from signing.validation import ValidationReport

PADES_LABELS = {
    "B-B": "PAdES B-B (chữ ký cơ bản)",
    "B-T": "PAdES B-T (có dấu thời gian)",
    "B-LT": "PAdES B-LT (có dấu thời gian và thông tin thu hồi để kiểm tra lâu dài)",
    "B-LTA": "PAdES B-LTA (lưu trữ dài hạn, có dấu thời gian tài liệu)",
    "": "Không phải PAdES (định dạng PKCS#7 cũ)",
}
VERDICT_LABELS = {
    "TOTAL_PASSED": "Hợp lệ",
    "TOTAL_FAILED": "Không hợp lệ",
    "INDETERMINATE": "Chưa xác định",
    "UNREADABLE": "Không đọc được tệp",
    "NO_SIGNATURE": "Không có chữ ký số",
}


def latest_issued(code: str) -> IssuedRevision | None:
    return IssuedRevision.objects.filter(code=code).order_by("-created_at", "-id").first()


def issued_revisions(code: str) -> list[IssuedRevision]:
    return list(IssuedRevision.objects.filter(code=code).order_by("created_at", "id"))


def verdict_context(report: ValidationReport, *, issued: IssuedRevision | None = None) -> dict:
    from signing.services import find_issued_revision

    signatures = [
        {
            "sig": sig,
            "verdict": VERDICT_LABELS.get(sig.indication, sig.indication),
            "pades": PADES_LABELS.get(sig.pades_level, sig.pades_level),
            "changed_after": not sig.is_last and sig.modification_level not in ("NONE", "LTA_UPDATES", "FORM_FILLING"),
        }
        for sig in report.signatures
    ]
    return {
        "report": report,
        "verdict": VERDICT_LABELS.get(report.indication, report.indication),
        "signatures": signatures,
        "issued": issued or find_issued_revision(report),
    }
