"""Reads for the verification pages."""

from __future__ import annotations

from signing import explain
from signing.models import IssuedRevision
from signing.validation import ValidationReport


def latest_issued(code: str) -> IssuedRevision | None:
    return IssuedRevision.objects.filter(code=code).order_by("-created_at", "-id").first()


def issued_revisions(code: str) -> list[IssuedRevision]:
    return list(IssuedRevision.objects.filter(code=code).order_by("created_at", "id"))


def verdict_context(report: ValidationReport, *, issued: IssuedRevision | None = None) -> dict:
    from signing.services import find_issued_revision

    signatures = [
        {
            "sig": sig,
            "verdict": explain.verdict_label(sig.indication),
            "tone": explain.verdict_tone(sig.indication),
            "integrity": explain.integrity_line(sig),
            "trust": explain.trust_line(sig),
            "reason": explain.signature_reason(sig),
            "format": explain.format_label(sig),
            "changes_after": str(sig.changes_after),
            "verdict_time": explain.verdict_time_label(sig),
            "evidence": [explain.evidence_label(item) for item in sig.time_evidence],
            "fetched": [explain.fetch_label(entry) for entry in sig.fetched],
            "path": [
                {
                    **entry,
                    "position_label": explain.path_position_label(entry["position"]),
                    "valid_from": explain.human_time(entry["not_before"]),
                    "valid_to": explain.human_time(entry["not_after"]),
                }
                for entry in sig.certification_path
            ],
        }
        for sig in report.signatures
    ]
    return {
        "report": report,
        "verdict": explain.verdict_label(report.indication),
        "tone": explain.verdict_tone(report.indication),
        "reason": explain.report_reason(report),
        "signatures": signatures,
        "issued": issued or find_issued_revision(report),
    }
