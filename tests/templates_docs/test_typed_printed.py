"""Every type prints what was typed: each line of the body (as a browser posts it, CRLF) is one DOCX paragraph and
one PDF line, in order; the căn cứ where the type has them (refused where it has not); the archive line once."""

import io
import subprocess

import pytest
from docx import Document

from templates_docs.errors import TemplateDataError
from templates_docs.services import DOCUMENT_TYPES, default_organisation, load_sample, render_document

pytestmark = pytest.mark.django_db

PARAGRAPHS = [
    "Sở đề nghị các doanh nghiệp bưu chính thực hiện:",
    "Kiểm tra nội dung bưu gửi khi chấp nhận.",
    "Báo cáo kết quả trước ngày 31/01/2026./.",
]
BASES = ["Căn cứ Luật Bưu chính ngày 17 tháng 6 năm 2010", "Căn cứ Chỉ thị số 28/CT-BTTTT ngày 08/5/2020"]


def paragraphs(docx: bytes) -> list[str]:
    document = Document(io.BytesIO(docx))
    found = [p.text.strip() for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            for cell in row.cells:
                found += [p.text.strip() for p in cell.paragraphs]
    return [text for text in found if text]


def layout_lines(pdf: bytes) -> list[str]:
    out = subprocess.run(
        ["pdftotext", "-layout", "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True, check=True
    )
    return [" ".join(line.split()) for line in out.stdout.decode().splitlines() if line.strip()]


def typed(slug: str) -> dict:
    data = load_sample(slug)
    data["body"] = "\r\n".join([PARAGRAPHS[0], "", *PARAGRAPHS[1:]])
    data["legal_bases"] = BASES if DOCUMENT_TYPES[slug].has_legal_bases else []
    data["recipients"] = ["Như trên", "Lưu: VT, BCVT."]
    return data


def run_of(found: list[str], expected: list[str]) -> bool:
    return any(found[i : i + len(expected)] == expected for i in range(len(found)))


@pytest.mark.parametrize("slug", list(DOCUMENT_TYPES))
def test_each_typed_line_is_one_paragraph_and_the_archive_is_printed_once(slug):
    doc = render_document(doc_type=slug, data=typed(slug), organisation=default_organisation(), draft=False)
    found = paragraphs(doc.docx)
    assert run_of(found, PARAGRAPHS), found
    lines = layout_lines(doc.pdf)
    assert run_of(lines, PARAGRAPHS), lines
    if DOCUMENT_TYPES[slug].has_legal_bases:
        assert run_of(found, [f"{BASES[0]};", f"{BASES[1]}."]), found
        assert run_of(lines, [f"{BASES[0]};", f"{BASES[1]}."]), lines
    archive = [line for line in lines if "Lưu" in line]
    assert archive == ["- Lưu: VT, BCVT."], archive
    assert sum(p.count("Lưu:") for p in found) == 1, found


@pytest.mark.parametrize("slug", [slug for slug, kind in DOCUMENT_TYPES.items() if not kind.has_legal_bases])
def test_legal_bases_given_to_a_type_without_them_are_refused(slug):
    data = {**typed(slug), "legal_bases": BASES}
    with pytest.raises(TemplateDataError) as raised:
        render_document(doc_type=slug, data=data, organisation=default_organisation(), draft=False)
    assert raised.value.field == "legal_bases"
