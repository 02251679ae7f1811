"""ND30 signature appearances: image stamps (signature, red seal) and the 10 pt Vietnamese text block.

Images are decoded and Flate-encoded once per process and reused for every signature; the stamp font is
Liberation Serif rescaled to 1000 units per em and subset to Latin + Vietnamese once (pyHanko writes raw glyph
widths into /W, so a font with another unitsPerEm renders letter-spaced).
"""

from __future__ import annotations

import hashlib
import threading
import zlib
from dataclasses import dataclass
from pathlib import Path

from pyhanko.pdf_utils import generic, layout
from pyhanko.pdf_utils.content import ResourceType
from pyhanko.pdf_utils.generic import pdf_name
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.stamp.base import BaseStamp, BaseStampStyle
from pyhanko.stamp.text import TextStamp, TextStampStyle

from signing.fonts import StampFontFactory

__all__ = [
    "EncodedImage",
    "ImageStampStyle",
    "PlacedImage",
    "encoded_image",
    "encoded_png",
    "prepared_font",
    "text_stamp_style",
    "text_width",
    "AppearancePlan",
]

_lock = threading.Lock()
_images: dict[tuple[str, float], EncodedImage] = {}
_fonts: dict[tuple[str, str], str] = {}

# Latin, Latin-1, Latin Extended-A/B, combining marks, Vietnamese, punctuation and symbols used in stamps.
_SUBSET_RANGES = [
    (0x20, 0x7E),
    (0xA0, 0x24F),
    (0x300, 0x323),
    (0x1EA0, 0x1EFF),
    (0x2010, 0x2027),
    (0x2030, 0x203A),
    (0x20AB, 0x20AC),
    (0x2116, 0x2122),
]


@dataclass(frozen=True)
class EncodedImage:
    """An image already Flate-encoded as a PDF image XObject (RGB + optional soft mask)."""

    width: int
    height: int
    rgb: bytes
    alpha: bytes | None


@dataclass(frozen=True)
class PlacedImage:
    image: EncodedImage
    x: float
    y: float
    w: float
    h: float


def encoded_image(path: str | Path, *, opacity: float = 1.0) -> EncodedImage:
    """Decode a PNG once per process (keyed by path + mtime) into Flate-encoded RGB and alpha planes."""
    from PIL import Image

    p = Path(path)
    key = (f"{p}:{p.stat().st_mtime_ns}", opacity)
    with _lock:
        cached = _images.get(key)
    if cached is not None:
        return cached
    with Image.open(p) as img:
        img.load()
        rgba = img.convert("RGBA")
    result = _encode(rgba, opacity)
    with _lock:
        _images[key] = result
    return result


MAX_PNG_BYTES = 512 * 1024
MAX_PNG_SIDE = 4000


def encoded_png(data: bytes) -> EncodedImage:
    """A caller-supplied PNG (e.g. a drawn signature), checked to be a real, bounded PNG, then encoded."""
    import io

    from PIL import Image, UnidentifiedImageError

    from signing.errors import InvalidInput

    refusal = "Ảnh chữ ký không hợp lệ (cần ảnh PNG, tối đa 512 KB và 4000×4000 điểm ảnh)."
    if not isinstance(data, bytes | bytearray) or not data.startswith(b"\x89PNG\r\n\x1a\n"):
        raise InvalidInput("signature image is not a PNG", user_message=refusal)
    if len(data) > MAX_PNG_BYTES:
        raise InvalidInput(f"signature image too large ({len(data)} bytes)", user_message=refusal)
    try:
        with Image.open(io.BytesIO(data)) as img:
            if img.format != "PNG" or not (1 <= img.width <= MAX_PNG_SIDE and 1 <= img.height <= MAX_PNG_SIDE):
                raise InvalidInput(
                    f"signature image {img.format} {img.width}x{img.height} refused", user_message=refusal
                )
            img.load()
            rgba = img.convert("RGBA")
    except InvalidInput:
        raise
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        raise InvalidInput(f"unreadable signature image: {exc}", user_message=refusal) from exc
    ink = rgba.getchannel("A").getbbox()  # a drawing pad leaves wide empty margins: keep only the strokes
    if ink is not None:
        rgba = rgba.crop(ink)
    return _encode(rgba, 1.0)


def _encode(rgba, opacity: float) -> EncodedImage:
    alpha_plane = rgba.getchannel("A")
    if opacity < 1.0:
        alpha_plane = alpha_plane.point(lambda v: int(v * opacity))
    has_alpha = alpha_plane.getextrema() != (255, 255)
    return EncodedImage(
        width=rgba.width,
        height=rgba.height,
        rgb=zlib.compress(rgba.convert("RGB").tobytes(), 6),
        alpha=zlib.compress(alpha_plane.tobytes(), 6) if has_alpha else None,
    )


def _image_xobject(writer, img: EncodedImage) -> generic.IndirectObject:
    base = {
        pdf_name("/Type"): pdf_name("/XObject"),
        pdf_name("/Subtype"): pdf_name("/Image"),
        pdf_name("/Width"): generic.NumberObject(img.width),
        pdf_name("/Height"): generic.NumberObject(img.height),
        pdf_name("/BitsPerComponent"): generic.NumberObject(8),
        pdf_name("/Filter"): pdf_name("/FlateDecode"),
    }
    data = dict(base)
    data[pdf_name("/ColorSpace")] = pdf_name("/DeviceRGB")
    if img.alpha is not None:
        smask = dict(base)
        smask[pdf_name("/ColorSpace")] = pdf_name("/DeviceGray")
        data[pdf_name("/SMask")] = writer.add_object(generic.StreamObject(smask, encoded_data=img.alpha))
    return writer.add_object(generic.StreamObject(data, encoded_data=img.rgb))


@dataclass(frozen=True)
class ImageStampStyle(BaseStampStyle):
    """A stamp made only of images placed in box coordinates (ND30: signature image, red seal)."""

    images: tuple[PlacedImage, ...] = ()
    border_width: int = 0
    background: None = None
    background_opacity: float = 1.0

    def create_stamp(self, writer, box: layout.BoxConstraints, text_params: dict) -> _ImageStamp:
        return _ImageStamp(writer=writer, style=self, box=box)


class _ImageStamp(BaseStamp):
    def _render_inner_content(self):
        commands = []
        for i, placed in enumerate(self.style.images):
            name = f"/Im{i}"
            self.set_resource(ResourceType.XOBJECT, pdf_name(name), _image_xobject(self.writer, placed.image))
            commands.append(
                b"q %g 0 0 %g %g %g cm %s Do Q" % (placed.w, placed.h, placed.x, placed.y, name.encode("ascii"))
            )
        return commands


def prepared_font(source: str | Path, cache_dir: str | Path) -> str:
    """Path of `source` rescaled to 1000 UPM and subset to Latin + Vietnamese, built once into `cache_dir`."""
    key = (str(source), str(cache_dir))
    with _lock:
        if key in _fonts:
            return _fonts[key]
    src = Path(source)
    digest = hashlib.sha256(src.read_bytes()).hexdigest()[:16]
    out = Path(cache_dir) / f"{src.stem}-1000upm-vi-{digest}.ttf"
    if not out.exists():
        from fontTools import subset
        from fontTools.ttLib import TTFont
        from fontTools.ttLib.scaleUpem import scale_upem

        font = TTFont(str(src))
        if 0x1ED1 not in font.getBestCmap():  # "ố": without the precomposed letters Vietnamese text breaks
            from signing.errors import SigningError

            raise SigningError(f"stamp font {src} has no Vietnamese glyphs (set SIGNING_STAMP_FONT)")
        if font["head"].unitsPerEm != 1000:
            scale_upem(font, 1000)
        options = subset.Options()
        options.layout_features = ["*"]
        options.name_IDs = ["*"]
        options.notdef_outline = True
        options.hinting = False
        options.drop_tables += ["FFTM"]
        import logging

        logging.getLogger("fontTools").setLevel(logging.WARNING)  # its INFO lines list every pruned table
        subsetter = subset.Subsetter(options=options)
        subsetter.populate(unicodes=[cp for lo, hi in _SUBSET_RANGES for cp in range(lo, hi + 1)])
        subsetter.subset(font)
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.with_suffix(f".{threading.get_ident()}.tmp")
        font.save(str(tmp))
        tmp.replace(out)
    with _lock:
        _fonts[key] = str(out)
    return str(out)


STAMP_MARGIN = 2


@dataclass(frozen=True)
class ImageTextStampStyle(TextStampStyle):
    """A text stamp with an image (a drawn signature) above its lines, both inside the signature box."""

    image: EncodedImage | None = None

    def create_stamp(self, writer, box: layout.BoxConstraints, text_params: dict) -> _ImageTextStamp:
        return _ImageTextStamp(writer=writer, style=self, box=box, text_params=text_params)


class _ImageTextStamp(TextStamp):
    def _render_inner_content(self):
        commands = super()._render_inner_content()  # the lines, laid out at the bottom left of the box
        img = self.style.image
        m = STAMP_MARGIN
        text_w = self.text_box.box.width + 2 * m
        text_h = self.text_box.box.height + 2 * m
        # the drawing goes above the lines or beside them, whichever leaves it larger
        places = [
            (m, text_h, self.box.width - 2 * m, self.box.height - text_h - m),
            (text_w, m, self.box.width - text_w - m, self.box.height - 2 * m),
        ]
        best = None
        for x, y, room_w, room_h in places:
            if room_w > 0 and room_h > 0:
                scale = min(room_w / img.width, room_h / img.height)
                if best is None or scale > best[0]:
                    best = (scale, x, y, room_w, room_h)
        if best is None:
            return commands
        scale, x, y, room_w, room_h = best
        w, h = img.width * scale, img.height * scale
        self.set_resource(ResourceType.XOBJECT, pdf_name("/ImSig"), _image_xobject(self.writer, img))
        commands.append(b"q %g 0 0 %g %g %g cm /ImSig Do Q" % (w, h, x + (room_w - w) / 2, y + (room_h - h) / 2))
        return commands


def text_stamp_style(
    *, font_path: str, font_size: int = 10, border: bool = False, image: EncodedImage | None = None
) -> TextStampStyle:
    """Black text, no background, `%(text)s` filled per signature through `appearance_text_params`.

    With `image`, the image fills the box above the lines (which then sit at the bottom of the box).
    """
    common = {
        "stamp_text": "%(text)s",
        "text_box_style": _text_box_style(font_path, font_size),
        "border_width": 1 if border else 0,
        "background": None,
    }
    if image is not None:
        return ImageTextStampStyle(
            **common, inner_content_layout=_text_layout(layout.AxisAlignment.ALIGN_MIN), image=image
        )
    return TextStampStyle(**common, inner_content_layout=_text_layout(layout.AxisAlignment.ALIGN_MAX))


def _text_box_style(font_path: str, font_size: int) -> TextBoxStyle:
    return TextBoxStyle(
        font=StampFontFactory(font_path, font_size=font_size),
        font_size=font_size,
        leading=font_size + 2,
        border_width=0,
    )


def _text_layout(y_align: layout.AxisAlignment) -> layout.SimpleBoxLayoutRule:
    return layout.SimpleBoxLayoutRule(
        x_align=layout.AxisAlignment.ALIGN_MIN,
        y_align=y_align,
        margins=layout.Margins.uniform(STAMP_MARGIN),
        inner_content_scaling=layout.InnerScaling.NO_SCALING,
    )


# --- layout ------------------------------------------------------------------------------------
MM = 72 / 25.4
_metrics: dict[str, tuple[dict[int, str], dict[str, tuple[int, int]]]] = {}


def text_width(text: str, *, font_path: str, font_size: float) -> float:
    """Advance width of `text` in points with the (1000-UPM) stamp font."""
    metrics = _metrics.get(font_path)
    if metrics is None:
        from io import BytesIO

        from fontTools.ttLib import TTFont

        font = TTFont(BytesIO(Path(font_path).read_bytes()))
        metrics = (dict(font.getBestCmap()), dict(font["hmtx"].metrics))
        _metrics[font_path] = metrics
    cmap, hmtx = metrics
    total = 0
    for ch in text:
        glyph = cmap.get(ord(ch))
        total += hmtx[glyph][0] if glyph in hmtx else 500
    return total * font_size / 1000


@dataclass
class AppearancePlan:
    """What `layout()` decides for one signature: where, on which page, how it looks."""

    appearance: str
    page: int | None = None
    box: tuple[float, float, float, float] | None = None
    signature_image: str | None = None
    seal_image: str | None = None
    text_lines: list[str] | None = None
    drawn_image: EncodedImage | None = None  # a caller-supplied signature (PNG), instead of the key owner's
    font_path: str = ""
    font_size: int = 10
    seal_diameter_mm: float = 36.0

    def apply(self, writer, request, *, page_geometry, signing_time: str) -> None:
        """Fill `request` (engine.SignRequest) with page, box, stamp style and text parameters."""
        from signing.errors import InvalidInput

        kind = self.appearance
        if kind == "none":
            request.page, request.box, request.stamp_style = 0, None, None
            return
        if kind == "text":
            index, _count, media = page_geometry(writer, 0 if self.page is None else self.page)
            lines = list(self.text_lines or [])
            if not any("{time}" in line for line in lines):
                lines.append("{time}")
            lines = [line.replace("{time}", signing_time) for line in lines]
            if self.box:
                box = self.box
            else:
                widest = max(text_width(line, font_path=self.font_path, font_size=self.font_size) for line in lines)
                # pyHanko's text box adds its own padding around the lines: leave room so nothing is clipped
                width = widest + 2 * STAMP_MARGIN + 24
                height = len(lines) * (self.font_size + 2) + 2 * STAMP_MARGIN + 16
                if self.drawn_image is not None:
                    height += 40  # room for the drawn signature above the lines
                x2, y2 = media[2] - 15 * MM, media[3] - 5 * MM
                box = (x2 - width, y2 - height, x2, y2)
            request.page, request.box = index, box
            request.stamp_style = text_stamp_style(
                font_path=self.font_path, font_size=self.font_size, image=self.drawn_image
            )
            request.text_params = {"text": "\n".join(lines)}
            return
        index, _count, media = page_geometry(writer, self.page)
        box = self.box or _default_box(media)
        x1, y1, x2, y2 = box
        if kind == "signature":
            if self.drawn_image is None and not self.signature_image:
                raise InvalidInput("this key has no signature image", user_message="Khóa ký chưa có ảnh chữ ký.")
            img = self.drawn_image or encoded_image(self.signature_image)
            w, h = x2 - x1, y2 - y1
            scale = min(w / img.width, h / img.height)
            iw, ih = img.width * scale, img.height * scale
            placed = PlacedImage(img, (w - iw) / 2, (h - ih) / 2, iw, ih)
            request.page, request.box = index, box
            request.stamp_style = ImageStampStyle(images=(placed,))
            return
        if kind == "seal":
            if not self.seal_image:
                raise InvalidInput("this key has no seal image", user_message="Khóa ký chưa có ảnh con dấu.")
            d = self.seal_diameter_mm * MM
            # ND30: the seal covers the left third of the signature image, at its true size
            sx2 = x1 + (x2 - x1) / 3
            cy = (y1 + y2) / 2
            sx1, sy1 = max(media[0], sx2 - d), max(media[1], cy - d / 2)
            seal_box = (sx1, sy1, sx1 + d, sy1 + d)
            img = encoded_image(self.seal_image)
            request.page, request.box = index, seal_box
            request.stamp_style = ImageStampStyle(images=(PlacedImage(img, 0, 0, d, d),))
            return
        raise InvalidInput(f"unknown appearance {kind!r}; expected signature, seal, text or none")


def _default_box(media: tuple[float, ...]) -> tuple[float, float, float, float]:
    """Bottom right of the page, inside ND30 margins: room for a signature between title and name."""
    x2 = media[2] - 20 * MM
    return (x2 - 170, media[1] + 25 * MM, x2, media[1] + 25 * MM + 85)
