"""The in-process PDF reader against poppler's `pdftotext -bbox-layout`, which it replaced on the render path."""

import io

import pytest

from templates_docs.errors import ConversionError
from templates_docs.pdfinfo import read_layout, signature_box

from .conftest import CASES, poppler_layout

pytestmark = pytest.mark.django_db

LONG_CASES = ["long", "seed:chi-thi-28", "seed:cong-van-lang-son"]


def _signer(data: dict) -> dict:
    return {"title": data["signer"]["title"].upper(), "name": data["signer"]["name"]}


@pytest.mark.parametrize("case", list(CASES))
def test_signature_box_is_the_one_poppler_layout_gives(rendered, case):
    data, doc = rendered(case)
    assert doc.signature_box == signature_box(poppler_layout(doc.pdf), **_signer(data))


@pytest.mark.parametrize("case", LONG_CASES)
def test_signature_block_after_page_one_is_found_on_its_page(rendered, case):
    data, doc = rendered(case)
    page, _box = doc.signature_box
    assert doc.page_count >= 2 and page >= 1
    assert data["signer"]["name"] in [line.text for line in poppler_layout(doc.pdf)[page].lines]


def _close(a, b, tolerance: float = 0.05) -> bool:
    return all(abs(x - y) <= tolerance for x, y in zip(a, b, strict=True))


@pytest.mark.parametrize("case", ["sample:cong-van", "sample:giay-chung-nhan", "seed:chi-thi-28", "long", "html"])
def test_lines_match_poppler(rendered, case):
    _data, doc = rendered(case)
    ours, reference = read_layout(doc.pdf), poppler_layout(doc.pdf)
    assert len(ours) == len(reference) == doc.page_count
    for mine, theirs in zip(ours, reference, strict=True):
        assert _close((mine.width, mine.height), (theirs.width, theirs.height), 0.01)
        remaining = list(mine.lines)
        for line in theirs.lines:
            box = (line.x_min, line.y_min, line.x_max, line.y_max)
            match = next(
                (m for m in remaining if m.text == line.text and _close((m.x_min, m.y_min, m.x_max, m.y_max), box)),
                None,
            )
            assert match is not None, line
            remaining.remove(match)
        assert remaining == []


def test_draft_blanks_are_read_as_one_line(rendered):
    # poppler cuts "ngày      tháng      năm" at the runs of no-break spaces; ours keeps one line, same extent
    _data, doc = rendered("draft:cong-van")
    (page,) = read_layout(doc.pdf)
    date = next(line for line in page.lines if line.text.startswith("Lạng Sơn, ngày"))
    assert " ".join(date.text.split()) == "Lạng Sơn, ngày tháng năm 2026"
    pieces = [
        line
        for line in poppler_layout(doc.pdf)[0].lines
        if abs(line.y_min - date.y_min) < 0.05 and line.x_min >= date.x_min  # not "Số:" in the other column
    ]
    assert len(pieces) > 1
    assert _close((date.x_min, date.x_max), (min(p.x_min for p in pieces), max(p.x_max for p in pieces)))


def test_pages_are_read_on_demand(rendered):
    _data, doc = rendered("long")
    layout = read_layout(doc.pdf)
    assert len(layout) == doc.page_count
    page, _box = doc.signature_box
    assert layout[page] is layout[page - len(layout)]  # read once, negative indexes too
    with pytest.raises(IndexError):
        layout[len(layout)]


def _hand_written_pdf(content_filter: bytes = b"") -> bytes:
    """Not LibreOffice's: literal strings with escapes, Tm/T*/', TJ, a form XObject, a scaled CTM, a simple font
    with widths, a descriptor's ascent and no ToUnicode (named VanthuMono: for a standard-14 name poppler would use
    its built-in metrics instead of the descriptor)."""
    widths = " ".join(["600"] * 95)
    content = (
        b"BT /F1 12 Tf 14 TL 72 700 Td (Hello \\(world\\)) Tj T* [(Kerned)-2000(gap)] TJ "
        b"(next line) ' 1 0 0 1 300 500 Tm (Moved) Tj ET "
        b"q 2 0 0 2 0 0 cm /Fm1 Do Q"
    )
    form = b"BT /F1 10 Tf 50 100 Td (In a form) Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 /MediaBox [0 0 612 792] >>",
        b"<< /Type /Page /Parent 2 0 R /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> "
        b"/XObject << /Fm1 7 0 R >> >> >>",
        b"<< /Length %d%s >>\nstream\n%s\nendstream" % (len(content) + 1, content_filter, content),
        b"<< /Type /Font /Subtype /TrueType /BaseFont /VanthuMono /FirstChar 32 /LastChar 126 "
        b"/Widths [%s] /FontDescriptor 6 0 R /Encoding /WinAnsiEncoding >>" % widths.encode(),
        b"<< /Type /FontDescriptor /FontName /VanthuMono /Flags 33 /FontBBox [-23 -250 715 805] /ItalicAngle 0 "
        b"/Ascent 800 /Descent -200 /CapHeight 600 /StemV 80 >>",
        b"<< /Type /XObject /Subtype /Form /BBox [0 0 300 300] /Resources << /Font << /F1 5 0 R >> >> "
        b"/Length %d >>\nstream\n%s\nendstream" % (len(form) + 1, form),
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n%s\nendobj\n" % (number, body))
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def test_a_pdf_from_elsewhere_reads_like_poppler():
    pdf = _hand_written_pdf()
    (ours,), (theirs,) = read_layout(pdf), poppler_layout(pdf)
    assert sorted(line.text for line in ours.lines) == sorted(line.text for line in theirs.lines)
    for line in theirs.lines:
        mine = next(m for m in ours.lines if m.text == line.text)
        assert _close(
            (mine.x_min, mine.y_min, mine.x_max, mine.y_max), (line.x_min, line.y_min, line.x_max, line.y_max)
        )


@pytest.mark.parametrize("garbage", [b"", b"%PDF-1.7\nnot really", b"PK\x03\x04 a zip"])
def test_unreadable_pdf_is_a_conversion_error(garbage):
    with pytest.raises(ConversionError):
        read_layout(garbage)[0]


def test_a_page_whose_text_cannot_be_followed_gets_the_default_box_not_an_error(caplog):
    pdf = _hand_written_pdf(content_filter=b" /Filter /FlateDecode")  # the content is not zlib data
    pages = read_layout(pdf)
    assert pages[0].width == 612 and pages[0].lines == ()
    index, box = signature_box(pages, title="GIÁM ĐỐC", name="Nguyễn Văn A")
    assert index == 0 and box == (612 * 0.55, 792 * 0.15, 612 * 0.9, 792 * 0.3)
    assert "not read" in caplog.text
