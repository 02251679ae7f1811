"""The report model's predicates (what the apps ask of a verdict) and its words at the Django edge."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from django.utils import translation

from signing import explain
from signing.validation import ChangeAfterSigning, ReportReason, SignatureReport, ValidationReport

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("intact", "coverage", "level", "expected"),
    [
        (True, "ENTIRE_FILE", "NONE", ChangeAfterSigning.NONE),
        (True, "ENTIRE_REVISION", "LTA_UPDATES", ChangeAfterSigning.NONE),
        (True, "ENTIRE_REVISION", "FORM_FILLING", ChangeAfterSigning.SIGNATURES),
        (True, "ENTIRE_REVISION", "ANNOTATIONS", ChangeAfterSigning.ANNOTATIONS),
        (True, "ENTIRE_REVISION", "OTHER", ChangeAfterSigning.CONTENT),
        (True, "ENTIRE_REVISION", "", ChangeAfterSigning.CONTENT),  # not analysed: the worst is assumed
        (False, "ENTIRE_FILE", "NONE", ChangeAfterSigning.SIGNED_BYTES),
    ],
)
def test_change_after_signing(intact, coverage, level, expected):
    sig = SignatureReport(index=0, field_name="Sig", intact=intact, coverage=coverage, modification_level=level)
    assert sig.changes_after is expected
    assert sig.unchanged_after_signing is (expected is ChangeAfterSigning.NONE)


def test_report_round_trips_through_its_dict():
    report = ValidationReport(
        indication="TOTAL_PASSED",
        file_sha256="ab" * 32,
        reason_code=ReportReason.ALL_PASSED,
        signatures=[SignatureReport(index=0, field_name="Sig", intact=True, coverage="ENTIRE_FILE")],
    )
    again = ValidationReport.from_dict(report.to_dict())
    assert again == report and again.signatures[0].unchanged_after_signing


@pytest.fixture
def english():
    subprocess.run(["msgfmt", "-o", "django.mo", "django.po"], cwd=ROOT / "locale/en/LC_MESSAGES", check=True)
    translation.trans_real._translations = {}
    with translation.override("en"):
        yield


def test_words_come_from_the_catalogue(english):
    report = ValidationReport.unreadable("00" * 32, 5, ReportReason.TOO_LARGE, limit_bytes=20 * 1024 * 1024)
    assert explain.report_reason(report) == "The file is too large (at most 20 MB)."
    sig = SignatureReport(index=0, field_name="Sig", indication="TOTAL_FAILED", sub_indication="HASH_FAILURE")
    assert (
        explain.signature_reason(sig) == "Invalid signature: the content was changed after signing (digest mismatch)."
    )
    with translation.override("vi"):
        assert explain.signature_reason(sig).startswith("Chữ ký không hợp lệ: nội dung đã bị thay đổi")
