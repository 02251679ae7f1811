"""The signature box, read from the template's markers (named destinations), judged by independent readers: poppler's
text boxes and the page's pixels."""

import io
import re
import subprocess
import zipfile

import pytest
from PIL import Image

from templates_docs import services
from templates_docs.builder import builtin_template
from templates_docs.errors import ConversionError
from templates_docs.signature import MARKERS, default_box, read_pdf

from .conftest import CASES, pdftotext, poppler_layout, without_markers

pytestmark = pytest.mark.django_db

DPI = 144
PX = DPI / 72  # pixels per point


def signer_lines(doc, data):
    """(page, name line, title line) as poppler reads them on the page of the box."""
    page = poppler_layout(doc.pdf)[doc.signature_box[0]]
    name = [line for line in page.lines if line.text == data["signer"]["name"]][-1]
    title = [line for line in page.lines if line.text == data["signer"]["title"].upper() and line.y_max <= name.y_min][
        -1
    ]
    return page, name, title


def page_pixels(pdf: bytes, index: int) -> Image.Image:
    out = subprocess.run(
        ["pdftoppm", "-r", str(DPI), "-gray", "-f", str(index + 1), "-l", str(index + 1), "-"],
        input=pdf,
        capture_output=True,
        check=True,
    ).stdout
    return Image.open(io.BytesIO(out)).convert("L")


def ink_rows(image: Image.Image, *, height_pt: float, x1: float, x2: float) -> list[float]:
    """PDF y (points, bottom-up) of the pixel rows with ink between x1 and x2."""
    left, right = int(x1 * PX), int(x2 * PX)
    band = image.crop((left, 0, right, image.height))
    width = band.width
    data = band.tobytes()
    rows = []
    for row in range(band.height):
        if min(data[row * width : (row + 1) * width]) < 160:
            rows.append(height_pt - (row + 0.5) / PX)
    return rows


@pytest.mark.parametrize("case", list(CASES))
def test_box_is_the_gap_between_title_and_name_as_poppler_sees_it(rendered, case):
    data, doc = rendered(case)
    page, name, title = signer_lines(doc, data)
    x1, y1, x2, y2 = doc.signature_box[1]
    # centred on the name, as wide as the name and at least 170 pt
    assert abs((x1 + x2) / 2 - (name.x_min + name.x_max) / 2) < 0.5
    assert abs((x2 - x1) - max(170, name.x_max - name.x_min)) < 0.5
    # from just above the name line to just below the title line: poppler's boxes (0.95 em above the baseline,
    # 0.35 em below it) are a little taller than LibreOffice's lines, so the box may reach 2 pt further up
    assert 0.5 <= y1 - (page.height - name.y_min) <= 1.5
    assert -1.5 <= y2 - (page.height - title.y_max) <= 3.0
    assert y2 - y1 >= 102  # a seal of 36 mm at its true size fits between the title and the name


@pytest.mark.parametrize("case", ["sample:cong-van", "sample:giay-chung-nhan", "sample:quyet-dinh", "long", "html"])
def test_no_ink_inside_the_box_and_ink_right_outside_it(rendered, case):
    """The pixels decide: nothing is drawn inside the box, and the box is not smaller than the gap by more than
    a few points (the title's ink just above it, the name's just below it)."""
    data, doc = rendered(case)
    index, (x1, y1, x2, y2) = doc.signature_box
    page, name, _title = signer_lines(doc, data)
    image = page_pixels(doc.pdf, index)
    rows = ink_rows(image, height_pt=page.height, x1=name.x_min, x2=name.x_max)
    assert not [y for y in rows if y1 < y < y2], "something is printed inside the signature box"
    assert min(y - y2 for y in rows if y >= y2) < 6, "the title's ink is far above the box"
    assert min(y1 - y for y in rows if y <= y1) < 6, "the name's ink is far below the box"
    whole = ink_rows(image, height_pt=page.height, x1=x1, x2=x2)
    assert not [y for y in whole if y1 + 0.5 < y < y2 - 0.5]


@pytest.mark.parametrize("case", ["long", "seed:chi-thi-28", "seed:cong-van-lang-son"])
def test_signature_block_after_page_one_is_found_on_its_page(rendered, case):
    data, doc = rendered(case)
    page, _box = doc.signature_box
    assert doc.page_count >= 2 and page >= 1
    assert data["signer"]["name"] in [line.text for line in poppler_layout(doc.pdf)[page].lines]
    assert doc.page_count == len(poppler_layout(doc.pdf))


def test_markers_print_nothing(rendered):
    """The same document without the bookmarks: the same text, the same pixels; no annotation, no outline."""
    _data, doc = rendered("sample:cong-van")
    bare = services.convert_to_pdf(without_markers(doc.docx))
    assert read_pdf(bare).marked is False and read_pdf(doc.pdf).marked is True
    assert pdftotext(bare) == pdftotext(doc.pdf)
    for index in range(doc.page_count):
        assert page_pixels(bare, index).tobytes() == page_pixels(doc.pdf, index).tobytes()
    assert b"/Annots" not in doc.pdf and b"/Outlines" not in doc.pdf
    assert b"/Link" not in doc.pdf


def test_pdfa_keeps_the_markers(tmp_path):
    sample = services.load_sample("thong-bao")
    organisation = services.default_organisation()
    docx = services.render_docx(doc_type="thong-bao", data=sample, organisation=organisation, draft=False)
    plain = read_pdf(services.convert_to_pdf(docx))
    pdfa = services.convert_to_pdf(docx, pdfa=True)
    assert b"<pdfaid:part>2</pdfaid:part>" in pdfa
    assert read_pdf(pdfa) == plain and plain.marked
    (tmp_path / "a.pdf").write_bytes(pdfa)
    check = subprocess.run(["qpdf", "--check", str(tmp_path / "a.pdf")], capture_output=True)
    assert check.returncode == 0, check.stdout.decode()[-300:]


def test_a_template_without_markers_gets_the_default_box_and_a_warning(caplog):
    version = services.upload_template_version(
        doc_type="to-trinh", docx=without_markers(builtin_template("to-trinh")), filename="cu.docx"
    )
    assert services.missing_signature_markers(version.docx) == list(MARKERS)
    assert services.missing_signature_markers(builtin_template("to-trinh")) == []
    result = services.preview_template_version(version=version)  # rendered all the same
    page = poppler_layout(result.pdf)[-1]
    index, box = result.signature_box
    assert index == result.page_count - 1 and box == pytest.approx(default_box(page.width, page.height), abs=0.01)
    assert "signature position not marked" in caplog.text


def test_markers_out_of_place_are_not_trusted(caplog):
    # the name marker moved above the signature space: no box between them, so the default one
    docx = builtin_template("thong-bao")
    xml = zipfile.ZipFile(io.BytesIO(docx)).read("word/document.xml")
    marker = re.search(rb'<w:bookmarkStart w:id="1001"[^>]*/><w:bookmarkEnd w:id="1001"/>', xml).group()
    moved = xml.replace(marker, b"").replace(
        b"<w:t>{{ subject }}</w:t></w:r>", b"<w:t>{{ subject }}</w:t></w:r>" + marker
    )
    source = zipfile.ZipFile(io.BytesIO(docx))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            target.writestr(item, moved if item.filename == "word/document.xml" else source.read(item.filename))
    version = services.upload_template_version(doc_type="thong-bao", docx=out.getvalue())
    result = services.preview_template_version(version=version)
    assert read_pdf(result.pdf).marked is False
    assert "markers out of place" in caplog.text


def test_a_name_that_wraps_is_centred_on_the_signer_column(db):
    data = services.load_sample("thong-bao")
    data["signer"]["name"] = "Nguyễn Thị Phương Thảo Hoàng Lê Minh Khai Trần Bảo Ngọc Anh"
    doc = services.render_document(
        doc_type="thong-bao", data=data, organisation=services.default_organisation(), draft=False
    )
    x1, y1, x2, y2 = doc.signature_box[1]
    page = poppler_layout(doc.pdf)[doc.signature_box[0]]
    first_name_line = min(
        (line for line in page.lines if line.text.startswith("Nguyễn Thị")), key=lambda line: line.y_min
    )
    assert abs(y1 - 1 - (page.height - first_name_line.y_min)) < 1
    assert x2 - x1 == pytest.approx(170, abs=0.5)
    image = page_pixels(doc.pdf, doc.signature_box[0])
    assert not [y for y in ink_rows(image, height_pt=page.height, x1=x1, x2=x2) if y1 + 0.5 < y < y2 - 0.5]


@pytest.mark.parametrize("garbage", [b"", b"%PDF-1.7\nnot really", b"PK\x03\x04 a zip"])
def test_unreadable_pdf_is_a_conversion_error(garbage):
    with pytest.raises(ConversionError):
        read_pdf(garbage)


def _widget_rects(pdf: bytes) -> list[tuple[float, ...]]:
    from pyhanko.pdf_utils.reader import PdfFileReader

    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    fields = [ref.get_object() for ref in reader.root["/AcroForm"]["/Fields"]]
    return [tuple(float(v) for v in field["/Rect"]) for field in fields]


@pytest.mark.parametrize("case", ["sample:giay-chung-nhan", "sample:cong-van"])
def test_signature_and_seal_sit_in_the_box_and_the_seal_never_reaches_the_name(rendered, signing_keys, case):
    """ND30: the signature image between title and name, the seal at its true size over its left third."""
    from signing import services as signing

    data, doc = rendered(case)
    index, box = doc.signature_box
    signed = signing.sign_pdf(doc.pdf, key_id="user-giamdoc", level="B-B", appearance="signature", page=index, box=box)
    sealed = signing.sign_pdf(signed, key_id="org-seal", level="B-B", appearance="seal", page=index, box=box)
    (sx1, sy1, sx2, sy2), (qx1, qy1, qx2, qy2) = _widget_rects(sealed)
    page, name, title = signer_lines(doc, data)
    x1, _y1, x2, _y2 = box
    assert (sx1, sy1, sx2, sy2) == pytest.approx(box, abs=0.01)  # the signature fills the box
    assert qy2 - qy1 == pytest.approx(36 / 25.4 * 72, abs=0.5)  # the seal at its true size
    assert qx2 == pytest.approx(x1 + (x2 - x1) / 3, abs=0.5)  # over the left third of the signature
    assert qy1 >= page.height - name.y_min, "the seal covers the signer's name"
    assert qy2 <= page.height - title.y_max + 2, "the seal covers the signer's title"
