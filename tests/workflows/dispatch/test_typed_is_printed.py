"""What the author types in the drafting form is what the PDF prints: a line is a paragraph, every căn cứ and
recipient once, nothing dropped (text read back from the draft PDF with pdftotext, line by line)."""

from __future__ import annotations

import io
import subprocess

import pytest
from docx import Document

from workflows.dispatch.flows import DispatchFlow
from workflows.dispatch.models import DispatchRevision

from .conftest import draft_payload, execute_url, open_task

pytestmark = pytest.mark.django_db(transaction=False)

PARAGRAPHS = [
    "Sở đề nghị các doanh nghiệp bưu chính thực hiện:",
    "Kiểm tra nội dung bưu gửi khi chấp nhận.",
    "Báo cáo kết quả trước ngày 31/01/2026./.",
]


def printed_lines(pdf: bytes) -> list[str]:
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True, check=True)
    return [line.strip() for line in text.stdout.decode().splitlines() if line.strip()]


def between(lines: list[str], first: str, last: str) -> list[str]:
    start = next(i for i, line in enumerate(lines) if line.startswith(first))
    end = next(i for i, line in enumerate(lines) if i > start and line.startswith(last))
    return lines[start + 1 : end]


def draft_pdf(driver, people, **overrides) -> bytes:
    process = driver.start(**overrides)
    driver.do(people.author, process, "draft", {**draft_payload(people, **overrides), "action": "preview"})
    return process.latest_revision(DispatchRevision.Kind.DRAFT).pdf.read()


def test_paragraphs_typed_one_per_line_and_recipients_are_printed_as_typed(driver, people):
    pdf = draft_pdf(
        driver,
        people,
        body="\n".join(PARAGRAPHS),
        units=[],
        carriers=[],
        agencies="",
        other_recipients="Lãnh đạo Sở (b/c)\nLưu: VT, BCVT.\nNhư trên",
    )
    lines = printed_lines(pdf)
    assert between(lines, "Kính gửi:", "Nơi nhận:") == PARAGRAPHS
    recipients = between(lines, "Nơi nhận:", "GIÁM ĐỐC")
    assert recipients == ["- Như trên;", "- Lãnh đạo Sở (b/c);", "- Lưu: VT, BCVT, TTr."]


def test_legal_bases_typed_for_a_plan_are_all_printed(driver, people):
    bases = ["Căn cứ Luật Bưu chính ngày 17 tháng 6 năm 2010", "Căn cứ Chỉ thị số 28/CT-BTTTT ngày 08/5/2020"]
    pdf = draft_pdf(
        driver,
        people,
        doc_type="ke-hoach",
        subject="Kiểm tra bưu gửi năm 2026",
        addressees="",
        legal_bases="\n".join(bases),
        body="\n".join(PARAGRAPHS),
    )
    lines = printed_lines(pdf)
    assert between(lines, "Kiểm tra bưu gửi năm 2026", PARAGRAPHS[0]) == [f"{bases[0]};", f"{bases[1]}."]
    assert between(lines, bases[1], "Nơi nhận:") == PARAGRAPHS


def test_legal_bases_for_a_dispatch_are_refused_not_dropped(driver, people):
    process = driver.start()
    response = driver.do(
        people.author,
        process,
        "draft",
        {**draft_payload(people, legal_bases="Căn cứ Luật Bưu chính"), "action": "save"},
    )
    assert response.status_code == 200  # the form again, with the reason
    assert "Công văn không có phần căn cứ" in response.content.decode()
    assert process.legal_bases == [] and open_task(process, "draft") is not None
    page = driver.client.get(execute_url(open_task(process, "draft"))).content.decode()
    assert "Chỉ có ở: Kế hoạch, Quyết định, Tờ trình." in page


def docx_paragraphs(docx: bytes) -> list[str]:
    """Every non-empty paragraph of the DOCX, body and table cells (the header and "Nơi nhận" are tables)."""
    document = Document(io.BytesIO(docx))
    found = [p.text.strip() for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            for cell in row.cells:
                found += [p.text.strip() for p in cell.paragraphs]
    return [text for text in found if text]


def test_the_draft_docx_has_one_paragraph_per_typed_line_and_the_archive_line_once(driver, people):
    process = driver.start()
    typed_body = "\r\n".join([PARAGRAPHS[0], "", *PARAGRAPHS[1:]])  # as a browser posts it, with an empty line
    driver.do(
        people.author,
        process,
        "draft",
        {
            **draft_payload(people, body=typed_body, other_recipients="Lãnh đạo Sở (b/c)\nLưu: VT, BCVT."),
            "action": "preview",
        },
    )
    revision = process.latest_revision(DispatchRevision.Kind.DRAFT)
    found = docx_paragraphs(revision.docx.read())
    start = found.index(PARAGRAPHS[0])
    assert found[start : start + 3] == PARAGRAPHS
    archive = [p for p in found if "Lưu" in p]
    assert archive == ["- Lưu: VT, BCVT, TTr."], archive
    assert sum(p.startswith("- Lãnh đạo Sở (b/c)") for p in found) == 1
    lines = printed_lines(revision.pdf.read())
    assert [line for line in lines if "Lưu" in line] == ["- Lưu: VT, BCVT, TTr."]


def test_a_recipient_chosen_and_typed_again_is_refused_not_printed_twice(driver, people):
    process = driver.start()
    response = driver.do(
        people.author,
        process,
        "draft",
        {**draft_payload(people, other_recipients=people.carrier.name), "action": "save"},
    )
    assert response.status_code == 200
    assert "được chọn hoặc ghi hai lần" in response.content.decode()
    assert [r.name for r in process.recipients.all()].count(people.carrier.name) == 1  # the saved draft unchanged


def test_the_form_marks_cancu_for_the_types_that_print_it(driver, people):
    process = driver.start()
    page = driver.client.get(execute_url(open_task(process, "draft"))).content.decode()
    assert 'id="field-legal_bases" data-doc-types="ke-hoach quyet-dinh to-trinh"' in page
    assert 'id="field-body" data-doc-types' not in page


@pytest.mark.parametrize("doc_type", ["cong-van", "chi-thi", "thong-bao", "bao-cao"])
def test_every_type_without_cancu_refuses_one_typed(driver, people, doc_type):
    driver.as_(people.author)
    response = driver.client.post(
        DispatchFlow.start.reverse("execute"),
        draft_payload(people, doc_type=doc_type, legal_bases="Căn cứ Luật Bưu chính"),
    )
    assert response.status_code == 200
    assert "không có phần căn cứ" in response.content.decode()
