"""ND30 stamps: an embedded, subset, 1000-UPM Vietnamese font with correct widths, proven by rendering."""

from __future__ import annotations

import subprocess
from io import BytesIO

import pytest
from PIL import Image
from pyhanko.pdf_utils.reader import PdfFileReader

from signing import services
from signing.appearance import text_width

pytestmark = pytest.mark.django_db
LINES = ["Số: 05/STTTT-TTr", "Bản sao y — Sở Thông tin và Truyền thông"]


@pytest.fixture(scope="module")
def stamped(signing_pki, dev_p12, pdf2):
    p12, password = dev_p12("user-giamdoc")
    return services.sign_pdf_with_pkcs12(
        pdf2, pkcs12=p12, password=password, level="B-B", appearance="text", text_lines=LINES
    )


def _stamp_font(data: bytes):
    (sig,) = PdfFileReader(BytesIO(data), strict=False).embedded_regular_signatures
    ap = sig.sig_field["/AP"]["/N"]
    fonts = {}

    def walk(xobj):
        res = xobj.get("/Resources", {})
        fonts.update(dict(res.get("/Font", {}).items()))
        for sub in res.get("/XObject", {}).values():
            walk(sub)

    walk(ap)
    (font,) = fonts.values()
    return font.get_object()


def test_font_is_embedded_subset_with_1000_upm_widths(stamped):
    font = _stamp_font(stamped)
    descendant = font["/DescendantFonts"][0].get_object()
    assert "/FontFile2" in descendant["/FontDescriptor"].get_object()
    widths = [float(w) for entry in descendant["/W"] if isinstance(entry, list) for w in entry]
    assert widths and max(widths) <= 1000, widths  # unscaled 2048-UPM widths would reach ~1400-2000
    assert 400 <= sum(widths) / len(widths) <= 700  # a serif text face at 1000 UPM


def test_rendered_stamp_has_no_letter_spacing(stamped, tmp_path):
    """Render page 1 with poppler and compare the stamp's ink width with the font's advance widths."""
    (tmp_path / "s.pdf").write_bytes(stamped)
    subprocess.run(
        ["pdftoppm", "-r", "144", "-f", "1", "-l", "1", "-gray", "-png", str(tmp_path / "s.pdf"), str(tmp_path / "p")],
        check=True,
        timeout=60,
    )
    (png,) = tmp_path.glob("p*.png")
    page = Image.open(png).convert("L")
    scale = 144 / 72
    # the stamp sits at the top right; the sample's body text stays left of x = 335 pt
    top, bottom = int((841.89 - 836) * scale), int((841.89 - 760) * scale)
    region = page.crop((int(335 * scale), top, page.width, bottom))
    raw = region.tobytes()
    w = region.width
    ink_cols = [x for x in range(w) if any(raw[y * w + x] < 128 for y in range(region.height))]
    assert ink_cols, "no stamp text rendered"
    ink_rows = [y for y in range(region.height) if any(raw[y * w + x] < 128 for x in range(w))]
    assert (ink_rows[-1] - ink_rows[0]) / scale > 2 * 12 + 6, "a stamp line is clipped or missing"
    assert ink_rows[-1] < region.height - 2, "the stamp runs into the body text"
    measured_pt = (ink_cols[-1] - ink_cols[0] + 1) / scale

    font_path = services._plan("text", page=None, box=None, text_lines=None, signer_name="").font_path
    from signing.engine import signing_time_text

    expected_pt = max(text_width(line, font_path=font_path, font_size=10) for line in [*LINES, signing_time_text()])
    assert 0.85 * expected_pt < measured_pt < 1.08 * expected_pt, (measured_pt, expected_pt)


def test_pdffonts_reports_embedded_subset(stamped, tmp_path):
    (tmp_path / "s.pdf").write_bytes(stamped)
    out = subprocess.run(["pdffonts", str(tmp_path / "s.pdf")], capture_output=True, text=True, check=True).stdout
    line = next(line for line in out.splitlines() if "Liberation" in line)
    assert "CID TrueType" in line and " yes yes " in line, out
