"""Real rendition through LibreOffice: every type, fonts embedded, text extractable, ND30 layout in the DOCX."""

import io
import re
import subprocess

import pytest
from docx import Document
from docx.shared import Mm, Pt

from templates_docs.services import DOCUMENT_TYPES

from .conftest import pdffonts, pdftotext, poppler_layout

pytestmark = pytest.mark.django_db


def words(text: str) -> list[str]:
    return re.findall(r"\w+", text.casefold())


@pytest.mark.parametrize("slug", list(DOCUMENT_TYPES))
def test_every_type_renders_with_embedded_fonts_and_vietnamese_text(rendered, slug):
    data, doc = rendered(f"sample:{slug}")
    assert doc.pdf.startswith(b"%PDF-") and doc.docx.startswith(b"PK")
    assert doc.template_version == f"{slug}:builtin-1"
    fonts = pdffonts(doc.pdf)
    assert fonts, "no font in the PDF"
    assert all(row[-5] == "yes" for row in fonts), fonts  # the "emb" column
    assert all("LiberationSerif" in row[0] for row in fonts)
    text = pdftotext(doc.pdf)
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    assert "Độc lập - Tự do - Hạnh phúc" in text
    assert data["signer"]["name"] in text
    assert words(data["subject"])[:6] == words(text[text.find(data["subject"][:12]) :])[:6]
    if DOCUMENT_TYPES[slug].has_heading:
        assert DOCUMENT_TYPES[slug].heading in text
    assert doc.page_count == len(re.findall(r"\f", text))


def test_cong_van_header_number_date_and_archive(rendered):
    _data, doc = rendered("sample:cong-van")
    text = pdftotext(doc.pdf)
    assert "Số: 05/STTTT-TTr" in text
    assert "Lạng Sơn, ngày 05 tháng 01 năm 2026" in text
    assert "V/v tăng cường" in text
    assert "Kính gửi:" in text
    assert "- Lưu: VT, TTr." in text
    assert "KHẨN" in text
    assert "KT. GIÁM ĐỐC" in text and "PHÓ GIÁM ĐỐC" in text
    assert "DỰ THẢO" not in text


def test_draft_has_mark_and_blank_number(rendered):
    _data, doc = rendered("draft:cong-van")
    first = pdftotext(doc.pdf, page=1)
    assert "DỰ THẢO" in first
    assert re.search(r"Số:\s+/STTTT-TTr", first)
    assert "05/STTTT" not in first
    assert "ngày 05 tháng 01" not in first


def test_page_numbers_from_page_two_centred(rendered):
    _data, doc = rendered("long")
    assert doc.page_count >= 3
    first = pdftotext(doc.pdf, page=1).split()
    assert first[0] != "1"
    for page in (2, 3):
        lines = [line for line in pdftotext(doc.pdf, page=page, layout=True).splitlines() if line.strip()]
        assert lines[0].strip() == str(page)
        # centred: the number sits in the middle third of the line width of the body text
        assert 25 < lines[0].index(str(page)) < 60


def test_long_body_and_200_recipients_render_completely(rendered):
    data, doc = rendered("long")
    text = pdftotext(doc.pdf)
    assert "Điểm phục vụ bưu chính số 1;" in text
    assert "Điểm phục vụ bưu chính số 200;" in text
    assert "Lưu: VT, TTr." in text
    assert len(words(text)) > len(words(data["body"]))
    flat = " ".join(text.split())
    assert flat.count("kiểm tra nội dung bưu gửi") >= data["body"].count("kiểm tra nội dung bưu gửi")


def test_signature_block_stays_with_the_last_body_lines(rendered):
    data, doc = rendered("long")
    page, _box = doc.signature_box
    text = pdftotext(doc.pdf, page=page + 1)
    before_signature = words(text[: text.find("Nơi nhận:")])
    assert before_signature[-6:] == words(data["body"])[-6:]
    assert "KT. GIÁM ĐỐC" in text and data["signer"]["name"] in text


@pytest.mark.parametrize("case", ["sample:cong-van", "sample:quyet-dinh", "long", "seed:chi-thi-28"])
def test_signature_box_lies_between_title_and_name(rendered, case):
    data, doc = rendered(case)
    page_index, (x1, y1, x2, y2) = doc.signature_box
    assert 0 <= page_index < doc.page_count
    assert x1 < x2 and y1 < y2
    assert y2 - y1 > 50  # room for a signature image
    page = poppler_layout(doc.pdf)[page_index]  # judged by poppler, not by the reader that found the box
    assert 0 <= x1 and x2 <= page.width and 0 <= y1 and y2 <= page.height
    name = next(line for line in page.lines if line.text == data["signer"]["name"])
    title = data["signer"]["title"].upper()
    title_line = [line for line in page.lines if line.text == title][-1]
    # PDF coordinates (origin bottom-left): the box ends just above the name and starts just below the title
    assert abs(y1 - (page.height - name.y_min)) < 3
    assert abs(y2 - (page.height - title_line.y_max)) < 3
    assert x1 <= name.x_min and name.x_max <= x2
    # nothing printed inside the box
    for line in page.lines:
        top, bottom = page.height - line.y_min, page.height - line.y_max
        inside_x = line.x_max > x1 and line.x_min < x2
        assert not (inside_x and bottom > y1 + 1 and top < y2 - 1), line


def test_html_and_script_are_kept_as_text(rendered):
    data, doc = rendered("html")
    text = pdftotext(doc.pdf)
    flat = " ".join(text.split())
    assert "<script>alert('x')</script>" in flat
    assert "<w:p/> ]]> giữ nguyên." in flat
    assert "<a href='x'>một</a>" in flat
    assert "<b>Kết quả</b> & <i>đánh giá</i>" in flat
    assert "<img src=x onerror=alert(1)>" in flat
    xml = Document(io.BytesIO(doc.docx)).element.xml
    assert "&lt;script&gt;" in xml


def test_verification_qr_code_and_url_on_page_one(rendered):
    data, doc = rendered("sample:giay-chung-nhan")
    assert data["verification_url"] in pdftotext(doc.pdf, page=1)
    images = subprocess.run(
        [
            "pdfimages",
            "-list",
            "-f",
            "1",
            "-l",
            "1",
            "-",
        ],
        input=doc.pdf,
        capture_output=True,
    )
    if images.returncode != 0:  # pdfimages does not read stdin everywhere: use a file
        import tempfile

        with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
            handle.write(doc.pdf)
            handle.flush()
            images = subprocess.run(
                ["pdfimages", "-list", "-f", "1", "-l", "1", handle.name], capture_output=True, check=True
            )
    assert len(images.stdout.decode().splitlines()) >= 3  # header, rule, at least one image


def near(length, expected) -> bool:
    return abs(length - expected) < Mm(0.1)


def _runs(docx: bytes):
    document = Document(io.BytesIO(docx))
    return document, [
        (run.text, run.font.size, run.font.bold, run.font.italic, run.font.name)
        for paragraph in _all_paragraphs(document)
        for run in paragraph.runs
        if run.text.strip()
    ]


def _all_paragraphs(document):
    yield from document.paragraphs
    for table in document.tables:
        for row in table.rows:
            for cell in row.cells:
                yield from cell.paragraphs


def _find(runs, text):
    return next(run for run in runs if run[0] == text)


def test_docx_layout_follows_nd30(rendered):
    _data, doc = rendered("sample:cong-van")
    document, runs = _runs(doc.docx)
    section = document.sections[0]
    assert near(section.page_width, Mm(210)) and near(section.page_height, Mm(297))
    assert near(section.top_margin, Mm(20)) and near(section.bottom_margin, Mm(20))
    assert near(section.left_margin, Mm(30)) and Mm(15) <= section.right_margin <= Mm(20.05)
    assert section.different_first_page_header_footer
    assert "PAGE" in section.header._element.xml  # page number field from page 2
    assert document.styles["Normal"].font.name == "Times New Roman"
    assert all(run[4] in (None, "Times New Roman") for run in runs)

    header = document.tables[0]
    assert header.cell(0, 0).text.split("\n")[:2] == ["UBND TỈNH LẠNG SƠN", "SỞ THÔNG TIN VÀ TRUYỀN THÔNG"]
    assert "w:tblBorders" not in header._tbl.xml  # borderless
    assert _find(runs, "UBND TỈNH LẠNG SƠN")[1:4] == (Pt(13), False, False)
    assert _find(runs, "SỞ THÔNG TIN VÀ TRUYỀN THÔNG")[1:3] == (Pt(13), True)
    assert _find(runs, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")[1:3] == (Pt(12), True)
    assert _find(runs, "Độc lập - Tự do - Hạnh phúc")[1:3] == (Pt(13), True)
    date = _find(runs, "Lạng Sơn, ngày 05 tháng 01 năm 2026")
    assert date[1] == Pt(14) and date[3] is True
    assert _find(runs, "Số: 05/STTTT-TTr")[1:4] == (Pt(13), False, False)
    assert _find(runs, "Nơi nhận:")[1:4] == (Pt(12), True, True)
    assert _find(runs, "- Lưu: VT, TTr.")[1] == Pt(11)
    assert _find(runs, "KT. GIÁM ĐỐC")[1:3] == (Pt(14), True)
    assert _find(runs, "Hoàng Văn Minh")[1:3] == (Pt(14), True)
    # rules under the agency and the motto: bordered empty paragraphs
    assert header.cell(0, 0)._tc.xml.count("<w:bottom ") == 1
    assert header.cell(0, 1)._tc.xml.count("<w:bottom ") == 1
    body = [p for p in document.paragraphs if p.text.startswith("Thực hiện Chỉ thị")][0]
    assert body.paragraph_format.alignment == 3  # justified
    assert near(body.paragraph_format.first_line_indent, Mm(12.7))
    assert body.paragraph_format.space_after >= Pt(6)


def test_typed_document_heading_is_centred_bold(rendered):
    _data, doc = rendered("sample:chi-thi")
    document, runs = _runs(doc.docx)
    paragraphs = document.paragraphs
    index = next(i for i, p in enumerate(paragraphs) if p.text == "CHỈ THỊ")
    heading = paragraphs[index]
    assert heading.alignment == 1 and heading.runs[0].font.bold and heading.runs[0].font.size == Pt(14)
    subject = paragraphs[index + 1]
    assert subject.alignment == 1 and subject.runs[0].font.bold


def test_pdfa_output(db):
    from templates_docs import services

    sample = services.load_sample("thong-bao")
    docx = services.render_docx(
        doc_type="thong-bao", data=sample, organisation=services.default_organisation(), draft=False
    )
    pdf = services.convert_to_pdf(docx, pdfa=True)
    assert b"pdfaid:part" in pdf and b"<pdfaid:part>2</pdfaid:part>" in pdf or b'pdfaid:part="2"' in pdf
