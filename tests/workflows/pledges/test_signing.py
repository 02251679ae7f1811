"""Method a end to end through the services: real rendering, real pyHanko signatures, independent pdfsig."""

from __future__ import annotations

import subprocess

import pytest
from viewflow.workflow import STATUS
from viewflow.workflow.models import Task

from signing import services as signing
from signing.devpki import signature_png
from workflows.pledges.errors import PledgeError
from workflows.pledges.flows import PledgeFlow
from workflows.pledges.models import Pledge
from workflows.pledges.services import answers


def _pdfsig(data: bytes, tmp_path) -> str:
    path = tmp_path / "x.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdfsig", str(path)], capture_output=True, text=True, check=False).stdout


def test_simple_signature_is_sealed_countersigned_and_certified(
    pledges, helpers, tmp_path, django_capture_on_commit_callbacks
):
    pledge = pledges[0]
    code = helpers.fresh_sign_code(pledge)
    with django_capture_on_commit_callbacks(execute=True):
        outcome = answers.sign_simple(
            pledge=pledge, typed_name="nguyen van binh", signature_png=signature_png("Bình"), code=code
        )
    assert not outcome.already
    pledge.refresh_from_db()
    assert pledge.status == Pledge.Status.SIGNED and pledge.method == Pledge.Method.SIMPLE
    # immediate task backend: the countersignature and the certificate are done
    assert pledge.countersigned_pdf_id and pledge.certificate_pdf_id, pledge.countersign_error
    sealed = pledge.countersigned_pdf.read()
    report = signing.validate_pdf(sealed)
    assert [s.intact and s.valid and s.trusted for s in report.signatures] == [True, True]
    assert "Hệ thống văn thư" in report.signatures[0].signer_common_name
    assert signing.base_revision(sealed, 0) == pledge.issued_pdf.read()
    out = _pdfsig(sealed, tmp_path)
    assert out.count("Signature Validation: Signature is Valid.") == 2, out
    cert = signing.validate_pdf(pledge.certificate_pdf.read())
    assert cert.signatures and cert.signatures[0].trusted
    tasks = Task.objects.filter(process=pledge.process)
    assert {t.flow_task for t in tasks if t.status == STATUS.DONE} >= {PledgeFlow.respond, PledgeFlow.countersign}
    pledge.process.refresh_from_db()
    assert pledge.process.status == "DONE"


def test_double_submit_signs_once(pledges, helpers):
    pledge = pledges[0]
    code = helpers.fresh_sign_code(pledge)
    first = answers.sign_simple(
        pledge=pledge, typed_name="Nguyễn Văn Bình", signature_png=signature_png("B"), code=code
    )
    second = answers.sign_simple(
        pledge=pledge, typed_name="Nguyễn Văn Bình", signature_png=signature_png("B"), code=code
    )
    assert not first.already and second.already
    pledge.refresh_from_db()
    assert Task.objects.filter(process=pledge.process, flow_task=PledgeFlow.respond).count() == 1


def test_typed_name_must_be_the_representative(pledges, helpers):
    pledge = pledges[0]
    code = helpers.fresh_sign_code(pledge)
    with pytest.raises(PledgeError, match="người đại diện"):
        answers.sign_simple(pledge=pledge, typed_name="Ai Đó", signature_png=signature_png("x"), code=code)
    pledge.refresh_from_db()
    assert pledge.status == Pledge.Status.PENDING


def test_decline_ends_the_process(pledges):
    pledge = pledges[1]
    answers.decline(pledge=pledge, reason="Đơn vị đã ngừng hoạt động tại địa bàn")
    pledge.refresh_from_db()
    assert pledge.status == Pledge.Status.DECLINED
    pledge.process.refresh_from_db()
    assert pledge.process.status == "DONE"
    assert Task.objects.filter(process=pledge.process, flow_task=PledgeFlow.declined).exists()


def test_countersigned_pledge_shows_the_drawn_signature_in_the_stamp(
    pledges, helpers, tmp_path, django_capture_on_commit_callbacks
):
    from PIL import Image

    pledge = pledges[1]
    code = helpers.fresh_sign_code(pledge)
    with django_capture_on_commit_callbacks(execute=True):
        answers.sign_simple(pledge=pledge, typed_name="Hoàng Thị Lan", signature_png=signature_png("Lan"), code=code)
    pledge.refresh_from_db()
    sealed = pledge.countersigned_pdf.read()
    path = tmp_path / "sealed.pdf"
    path.write_bytes(sealed)
    assert subprocess.run(["qpdf", "--check", str(path)], capture_output=True, check=False).returncode == 0
    assert _pdfsig(sealed, tmp_path).count("Signature Validation: Signature is Valid.") == 2
    page = pledge.signature_box["page"]
    subprocess.run(
        ["pdftoppm", "-r", "72", "-f", str(page + 1), "-l", str(page + 1), "-png", str(path), str(tmp_path / "p")],
        check=True,
        timeout=60,
    )
    (png,) = tmp_path.glob("p*.png")
    image = Image.open(png).convert("RGB")
    x1, y1, x2, y2 = answers.simple_stamp_box(pledge)
    stamp = image.crop((int(x1), int(image.height - y2), int(x2) + 1, int(image.height - y1) + 1))
    blue = (18, 45, 160)  # the stroke colour of signature_png
    inked = sum(
        1
        for y in range(stamp.height)
        for x in range(stamp.width)
        if all(abs(a - b) < 50 for a, b in zip(stamp.getpixel((x, y)), blue, strict=True))
    )
    assert inked > 30, "the drawn signature is not in the stamp"
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True).stdout.decode()
    assert "Ký điện tử, xác thực OTP" in text and "Người đại diện: Hoàng Thị Lan" in text


def test_a_broken_drawing_is_refused_with_a_message(pledges, helpers):
    pledge = pledges[2]
    code = helpers.fresh_sign_code(pledge)
    with pytest.raises(PledgeError, match="Ảnh chữ ký không hợp lệ"):
        answers.sign_simple(
            pledge=pledge, typed_name="Lương Văn Tú", signature_png=b"\x89PNG\r\n\x1a\n" + b"\0" * 40, code=code
        )
    pledge.refresh_from_db()
    assert pledge.status == Pledge.Status.PENDING
