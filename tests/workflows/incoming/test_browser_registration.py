"""The clerk's registration page in headless Chromium at 390×844: a signed PDF read into the form and registered
without choosing it again; a paper scan registered, recognised after commit and found by a word of its body. Each
page is checked for horizontal overflow, serious/critical axe-core violations and server errors."""

from __future__ import annotations

import pytest

from tests.workflows.incoming.test_ocr import scan_bytes
from tests.workflows.incoming.test_prefill import directive_28  # noqa: F401  (the fixture)
from tests.workflows.workspace.test_browser import _log_in, _problems
from workflows.incoming.models import IncomingDocument, TextStatus

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
PHONE = {"width": 390, "height": 844}


def test_the_clerk_reads_a_signed_pdf_and_registers_a_scan_on_a_phone(
    browser,
    live_server,
    people,
    directive_28,  # noqa: F811
    tmp_path,
):
    pdf = tmp_path / "chi-thi-28.pdf"
    pdf.write_bytes(directive_28)
    scan = tmp_path / "ban-quet.png"
    scan.write_bytes(scan_bytes(300, "PNG"))
    context, page = _log_in(browser, live_server, people.clerk)
    page.set_viewport_size(PHONE)
    register = f"{live_server.url}/van-ban-den/vao-so/"
    assert _problems(page, register) == []

    page.set_input_files("#id_file", str(pdf))
    page.get_by_role("button", name="Đọc thông tin từ tệp").click()
    page.wait_for_selector("#prefill-title")
    assert page.input_value("#id_code") == "28/CT-BTTTT"
    assert page.input_value("#id_issuer_name") == "Bộ Thông tin và Truyền thông"
    assert page.input_value("#id_issued_date") == "2020-05-08"
    problems = []
    width = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    if width[0] > width[1]:
        problems.append(f"prefilled form overflows ({width[0]} px in {width[1]} px)")
    page.evaluate(_axe())
    for violation in page.evaluate("axe.run(document, {resultTypes: ['violations']})")["violations"]:
        if violation["impact"] in ("serious", "critical"):
            problems.append(f"prefilled form: axe {violation['impact']} {violation['id']}")
    assert problems == []
    page.get_by_role("button", name="Vào sổ", exact=True).click()
    page.wait_for_url("**/van-ban-den/*/")
    registered = IncomingDocument.objects.get(code="28/CT-BTTTT")
    with registered.file.file.open("rb") as fh:
        assert fh.read() == directive_28

    page.goto(register)
    page.select_option("#id_channel", "paper")
    page.fill("#id_issuer_name", "Ủy ban nhân dân tỉnh Lạng Sơn")
    page.fill("#id_subject", "Bản giấy gửi Sở")
    page.set_input_files("#id_file", str(scan))
    page.get_by_role("button", name="Vào sổ", exact=True).click()
    page.wait_for_url("**/van-ban-den/*/")
    scanned = IncomingDocument.objects.get(channel="paper")
    assert scanned.text_status == TextStatus.RECOGNISED  # the task ran after the registration committed
    assert _problems(page, page.url) == []
    assert "Đã nhận dạng chữ (OCR)" in page.inner_text("body")
    page.goto(f"{live_server.url}/van-ban-den/?q=the+luc+thu+dich")
    assert "Bản giấy gửi Sở" in page.inner_text("body")
    context.close()


def _axe() -> str:
    from tests.workflows.workspace.test_browser import AXE

    return AXE
