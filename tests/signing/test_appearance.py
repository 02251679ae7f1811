"""ND30 stamps: an embedded, subset, 1000-UPM Vietnamese font with correct widths, proven by rendering."""

from __future__ import annotations

import dataclasses
import subprocess
from io import BytesIO

import pytest
from PIL import Image
from pyhanko.pdf_utils.font.api import FontEngineFactory
from pyhanko.pdf_utils.font.opentype import GlyphAccumulator
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

    font_path = services.appearance_plan("text", page=None, box=None, text_lines=None, signer_name="").font_path
    from signing.engine import signing_time_text

    expected_pt = max(text_width(line, font_path=font_path, font_size=10) for line in [*LINES, signing_time_text()])
    assert 0.85 * expected_pt < measured_pt < 1.08 * expected_pt, (measured_pt, expected_pt)


def test_pdffonts_reports_embedded_subset(stamped, tmp_path):
    (tmp_path / "s.pdf").write_bytes(stamped)
    out = subprocess.run(["pdffonts", str(tmp_path / "s.pdf")], capture_output=True, text=True, check=True).stdout
    line = next(line for line in out.splitlines() if "Liberation" in line)
    assert "CID TrueType" in line and " yes yes " in line, out


# --- a drawn signature supplied by the caller -------------------------------------------------------------------
DRAWN_BOX = (330.0, 600.0, 520.0, 700.0)
STROKE = (200, 20, 20)  # a colour found nowhere else on the sample page


def _drawn_png(size: tuple[int, int] = (400, 160)) -> bytes:
    from PIL import ImageDraw

    img = Image.new("RGBA", size, (0, 0, 0, 0))
    ImageDraw.Draw(img).line([(20, 130), (120, 20), (220, 130), (380, 30)], fill=(*STROKE, 255), width=14)
    out = BytesIO()
    img.save(out, format="PNG")
    return out.getvalue()


def _render_box(data: bytes, tmp_path, box) -> Image.Image:
    (tmp_path / "d.pdf").write_bytes(data)
    subprocess.run(
        ["pdftoppm", "-r", "72", "-f", "1", "-l", "1", "-png", str(tmp_path / "d.pdf"), str(tmp_path / "d")],
        check=True,
        timeout=60,
    )
    (png,) = tmp_path.glob("d*.png")
    page = Image.open(png).convert("RGB")
    x1, y1, x2, y2 = box
    return page.crop((int(x1), int(page.height - y2), int(x2), int(page.height - y1)))


def _stroke_pixels(region: Image.Image) -> list[tuple[int, int]]:
    near = [
        (x, y)
        for y in range(region.height)
        for x in range(region.width)
        if all(abs(a - b) < 40 for a, b in zip(region.getpixel((x, y)), STROKE, strict=True))
    ]
    return near


@pytest.mark.parametrize("appearance", ["text", "signature"])
def test_drawn_signature_is_on_the_page_with_the_stamp(signing_keys, pdf2, checked, tmp_path, appearance):
    lines = ["Ký điện tử, xác thực OTP", "Người đại diện: Nguyễn Văn Bình", "Thời điểm: {time}"]
    signed = services.sign_pdf(
        pdf2,
        key_id="org-system",
        level="B-B",
        appearance=appearance,
        page=0,
        box=DRAWN_BOX,
        text_lines=lines,
        signature_image=_drawn_png(),
    )
    checked(signed, expected_signatures=1)
    region = _render_box(signed, tmp_path, DRAWN_BOX)
    stroke = _stroke_pixels(region)
    assert len(stroke) > 100, "the drawn stroke is not on the page"
    if appearance == "text":
        # the drawn signature sits above the stamp's lines, which are dark ink at the bottom of the box
        dark_rows = [y for y in range(region.height) if any(sum(region.getpixel((x, y))) < 200 for x in range(80))]
        assert dark_rows and max(y for _x, y in stroke) < min(dark_rows) + 2, "image and text overlap"
        text = subprocess.run(
            ["pdftotext", "-f", "1", "-l", "1", "-", "-"], input=signed, capture_output=True, timeout=60
        ).stdout.decode()
        assert "Người đại diện: Nguyễn Văn Bình" in text and "xác thực OTP" in text


@pytest.mark.parametrize(
    "data",
    [
        b"GIF89a not a png",
        b"\x89PNG\r\n\x1a\n" + b"\0" * 64,  # PNG signature, broken body
        _drawn_png((4001, 10)),
        b"\x89PNG\r\n\x1a\n" + b"\0" * (512 * 1024),
    ],
    ids=["not-png", "broken", "too-wide", "too-large"],
)
def test_bad_signature_image_is_refused_with_a_message(signing_keys, pdf2, data):
    from signing.errors import InvalidInput

    with pytest.raises(InvalidInput) as info:
        services.sign_pdf(pdf2, key_id="org-system", level="B-B", appearance="text", signature_image=data)
    assert "Ảnh chữ ký không hợp lệ" in info.value.user_message


def test_signature_image_needs_a_signature_or_text_appearance(signing_keys, pdf2):
    from signing.errors import InvalidInput

    with pytest.raises(InvalidInput):
        services.sign_pdf(pdf2, key_id="org-seal", level="B-B", appearance="seal", signature_image=_drawn_png())


# --- the stamp font engine against pyHanko's own GlyphAccumulator ----------------------------------------------
VIETNAMESE = (
    "Ký điện tử, xác thực OTP — Người đại diện: Nguyễn Văn Bình\n"
    "ẮẰẲẴẶ ắằẳẵặ ẦẨẪẬ ầẩẫậ Đđ Ơơ Ưư ÉÈẺẼẸ ếềểễệ ốồổỗộ ớờởỡợ ứừửữự ỳỵỷỹ"
)


@dataclasses.dataclass(frozen=True)
class _PyHankoGlyphAccumulator(FontEngineFactory):
    """pyHanko's GlyphAccumulator (per-signature fontTools subsetting), reading the font from memory."""

    font_file: str
    font_size: int = 10

    def create_font_engine(self, writer, obj_stream=None) -> GlyphAccumulator:
        with open(self.font_file, "rb") as fh:
            data = BytesIO(fh.read())
        return GlyphAccumulator(writer=writer, font_handle=data, font_size=self.font_size, obj_stream=obj_stream)


def _sign_with_style(pdf: bytes, dev_p12, style) -> bytes:
    from signing import engine
    from signing.keys import load_pkcs12_bytes

    loaded = load_pkcs12_bytes(*dev_p12("org-system"))
    request = engine.SignRequest(
        level="B-B", page=0, box=(60.0, 40.0, 560.0, 90.0), stamp_style=style, text_params={"text": VIETNAMESE}
    )
    env = engine.SignEnvironment(timestamper=lambda: None, trust_roots=[])
    return engine.sign_with_signer(
        pdf, signer=loaded.signer, chain_der=[loaded.certificate_der], request=request, env=env
    )


def _render(data: bytes, tmp_path, name: str) -> Image.Image:
    (tmp_path / f"{name}.pdf").write_bytes(data)
    subprocess.run(
        ["pdftoppm", "-r", "200", "-f", "1", "-l", "1", "-png", str(tmp_path / f"{name}.pdf"), str(tmp_path / name)],
        check=True,
        timeout=60,
    )
    (png,) = tmp_path.glob(f"{name}-*.png")
    return Image.open(png).convert("RGB")


@pytest.mark.parametrize("xref", ["table", "stream"])
def test_stamp_font_engine_renders_exactly_like_pyhanko_glyph_accumulator(
    signing_pki, dev_p12, pdf2, tmp_path, checked, xref
):
    """Same shaping, widths and glyph outlines: poppler draws the same pixels; the text extracts the same.
    With an xref-stream input the font objects go into an object stream."""
    from PIL import ImageChops

    from signing.appearance import text_stamp_style

    if xref == "stream":
        (tmp_path / "in.pdf").write_bytes(pdf2)
        subprocess.run(
            ["qpdf", "--object-streams=generate", str(tmp_path / "in.pdf"), str(tmp_path / "objstm.pdf")], check=True
        )
        pdf2 = (tmp_path / "objstm.pdf").read_bytes()
        assert b"/ObjStm" in pdf2

    font_path = services.appearance_plan("text", page=None, box=None, text_lines=None, signer_name="").font_path
    ours = text_stamp_style(font_path=font_path)
    box_style = dataclasses.replace(ours.text_box_style, font=_PyHankoGlyphAccumulator(font_path, font_size=10))
    stock = dataclasses.replace(ours, text_box_style=box_style)

    fast, reference = _sign_with_style(pdf2, dev_p12, ours), _sign_with_style(pdf2, dev_p12, stock)
    assert (b"/ObjStm" in fast[len(pdf2) :]) == (xref == "stream")
    checked(fast, expected_signatures=1)
    fast_page, reference_page = _render(fast, tmp_path, "fast"), _render(reference, tmp_path, "reference")
    blank = _render(pdf2, tmp_path, "blank")
    assert ImageChops.difference(fast_page, blank).getbbox() is not None, "the stamp is not drawn"
    assert ImageChops.difference(fast_page, reference_page).getbbox() is None
    texts = [
        subprocess.run(["pdftotext", "-f", "1", "-l", "1", "-", "-"], input=d, capture_output=True, timeout=60).stdout
        for d in (fast, reference)
    ]
    assert texts[0] == texts[1]
    for line in VIETNAMESE.splitlines():
        assert line in texts[0].decode(), texts[0].decode()
