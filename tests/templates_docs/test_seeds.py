"""The two real documents the demo is built around, reproduced from their data: text and layout."""

import io
import re

import pytest
from docx import Document
from docx.shared import Pt

from core.seeds import get_seed

from .conftest import load_fixture, pdffonts, pdftotext

pytestmark = pytest.mark.django_db


def tokens(text: str) -> list[str]:
    # Page numbers are the only bare numbers the renderer adds between paragraphs; pdftotext joins a word
    # broken after a hyphen at a line end ("28/CT-" + "BTTTT"), so hyphens are dropped on both sides.
    return [w for w in re.findall(r"\w+", text.replace("-", "").casefold()) if not w.isdigit()]


def seed_paragraphs(key: str) -> list[str]:
    """The seed's content paragraphs, without its Markdown (headings, bold, autolinks)."""
    out = []
    for paragraph in get_seed(key).paragraphs:
        text = re.sub(r"^#+\s*", "", paragraph)
        text = re.sub(r"<(https?://[^>]+)>", r"\1", text).replace("*", "")
        if out and text[:1].islower():  # a paragraph the source split at a page break
            out[-1] += " " + text
        else:
            out.append(text)
    return out


def contains_run(haystack: list[str], needle: list[str]) -> bool:
    n = len(needle)
    return any(haystack[i : i + n] == needle for i in range(len(haystack) - n + 1))


@pytest.mark.parametrize("key", ["cong-van-lang-son", "chi-thi-28"])
def test_fixture_body_is_the_seed_text(key):
    fixture = load_fixture(key)
    assert [p.replace("*", "") for p in fixture["body"].split("\n\n")] == seed_paragraphs(key)
    meta = get_seed(key).meta
    assert fixture["subject"] == meta["subject"]
    assert fixture["signer"]["name"] == meta["signer_name"]
    assert fixture["recipients"] == meta["recipients"]


@pytest.mark.parametrize(
    ("key", "case"), [("cong-van-lang-son", "seed:cong-van-lang-son"), ("chi-thi-28", "seed:chi-thi-28")]
)
def test_every_seed_paragraph_is_in_the_pdf(rendered, key, case):
    _data, doc = rendered(case)
    pdf_words = tokens(pdftotext(doc.pdf))
    for paragraph in seed_paragraphs(key):
        assert contains_run(pdf_words, tokens(paragraph)), paragraph[:80]
    assert all(row[-5] == "yes" for row in pdffonts(doc.pdf))


def test_lang_son_dispatch_header_and_closing(rendered):
    data, doc = rendered("seed:cong-van-lang-son")
    text = pdftotext(doc.pdf)
    flat = " ".join(text.split())
    assert re.search(r"Số:\s+/STTTT-TTr", text)  # the original left the number blank
    assert "Lạng Sơn, ngày 15 tháng 5 năm 2020" in flat
    assert "UBND TỈNH LẠNG SƠN" in text
    assert "V/v triển khai thực hiện Chỉ thị 28/CT-BTTTT ngày 8/5/2020" in flat
    assert "- Phòng Văn hóa, thông tin các huyện, thành phố;" in text
    assert "- Các doanh nghiệp Bưu chính trên địa bàn tỉnh." in text
    for line in [
        "- Như trên;",
        "- Lãnh đạo Sở (b/c);",
        "- Phòng PA03- Công an tỉnh (p/h);",
        "- Phòng TTBCXB, VP;",
        "- Trung tâm CNTT&TT (đăng tải);",
        "- Lưu: VT, TTr.",
    ]:
        assert line in text
    assert "GIÁM ĐỐC" in text and "Nguyễn Quang Huy" in text
    document = Document(io.BytesIO(doc.docx))
    italic = [r for p in document.paragraphs for r in p.runs if r.font.italic and "Sau đây gọi tắt" in r.text]
    assert italic, "the seed's italic aside is italic"


def test_directive_28_header_body_layout_and_pages(rendered):
    data, doc = rendered("seed:chi-thi-28")
    text = pdftotext(doc.pdf)
    flat = " ".join(text.split())
    assert "Số: 28/CT-BTTTT" in text
    assert "Hà Nội, ngày 08 tháng 5 năm 2020" in text
    assert "CHỈ THỊ" in text and "BỘ TRƯỞNG" in text and "Nguyễn Mạnh Hùng" in text
    assert "- Lưu: VT, BC (550)." in text
    assert "UBND" not in pdftotext(doc.pdf, page=1).split("CỘNG HÒA")[0]  # a ministry has no parent agency line
    assert "- Bộ TTTT: Bộ trưởng, các Thứ trưởng; Các cơ quan, đơn vị thuộc Bộ;" in flat
    assert doc.page_count >= 3
    for page in range(2, doc.page_count + 1):
        assert pdftotext(doc.pdf, page=page).split()[0] == str(page)
    assert pdftotext(doc.pdf, page=1).split()[0] != "1"

    document = Document(io.BytesIO(doc.docx))
    headings = {
        p.text: p
        for p in document.paragraphs
        if p.text.startswith(("1. Các doanh nghiệp", "2. Các đơn vị", "8. Sở Thông tin"))
    }
    assert len(headings) == 3
    for paragraph in headings.values():
        assert all(run.font.bold for run in paragraph.runs if run.text.strip())
    heading = next(p for p in document.paragraphs if p.text == "CHỈ THỊ")
    assert heading.runs[0].font.size == Pt(14) and heading.runs[0].font.bold
    left_header = document.tables[0].cell(0, 0).text
    assert left_header.strip() == "BỘ THÔNG TIN VÀ TRUYỀN THÔNG"
