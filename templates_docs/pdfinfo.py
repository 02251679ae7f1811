"""Facts read back from a rendered PDF, in process: page count and where the signature goes.

The PDF objects are read with pyHanko's reader; the text of each page comes from its content stream (text
operators, fonts' widths and ToUnicode maps). Coordinates are those of poppler's `pdftotext -bbox-layout`, which
this replaces (a subprocess per document cost more than the parse): origin at the top left of the crop box, a line
reaching from the font's ascent above its baseline to its descent below (0.95 / -0.35 em when the font descriptor
gives none, as LibreOffice's subset fonts do).
"""

from __future__ import annotations

import io
import logging
import re
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader

from templates_docs.errors import ConversionError

__all__ = ["Layout", "Line", "Page", "read_layout", "signature_box"]

logger = logging.getLogger(__name__)

Box = tuple[float, float, float, float]
Matrix = tuple[float, float, float, float, float, float]
IDENTITY: Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)

# poppler's defaults and thresholds (TextOutputDev, GfxFont), in em
DEFAULT_ASCENT, DEFAULT_DESCENT = 0.95, -0.35
WORD_SPACE = 0.1  # a gap wider than this between two glyphs is a space
# Wider than this, two runs on one baseline are separate lines (table columns: recipients beside the signer).
COLUMN_GAP = 1.5
BASELINE_SLACK = 0.5  # points


@dataclass(frozen=True)
class Line:
    text: str
    x_min: float
    y_min: float  # from the top of the page, as poppler reports
    x_max: float
    y_max: float


@dataclass(frozen=True)
class Page:
    width: float
    height: float
    lines: tuple[Line, ...]


def _normal(text: str) -> str:
    return " ".join(text.split()).casefold()


# --- content stream tokens ------------------------------------------------------------------------------------
_TOKEN = re.compile(
    rb"""
      (?P<ws>(?:[\x00\t\n\x0c\r ]+|%[^\r\n]*)+)
    | (?P<num>[+-]?(?:\d+\.?\d*|\.\d+))
    | (?P<name>/[^\x00\t\n\x0c\r ()<>\[\]{}/%]*)
    | (?P<hex><[0-9A-Fa-f\x00\t\n\x0c\r ]*>)
    | (?P<lit>\()
    | (?P<open><<|\[|\{)
    | (?P<close>>>|\]|\})
    | (?P<op>[^\x00\t\n\x0c\r ()<>\[\]{}/%]+)
    """,
    re.VERBOSE,
)
_ESCAPES = {ord("n"): b"\n", ord("r"): b"\r", ord("t"): b"\t", ord("b"): b"\b", ord("f"): b"\f"}
_INLINE_IMAGE_END = re.compile(rb"[\x00\t\n\x0c\r ]EI(?=[\x00\t\n\x0c\r ]|$)")


def _literal(data: bytes, start: int) -> tuple[bytes, int]:
    """A (string) starting after its opening parenthesis: (value, index after the closing one)."""
    out = bytearray()
    depth, i, end = 1, start, len(data)
    while i < end:
        c = data[i]
        if c == 0x5C:  # backslash
            i += 1
            if i >= end:
                break
            c = data[i]
            if c in _ESCAPES:
                out += _ESCAPES[c]
            elif 0x30 <= c <= 0x37:
                digits = data[i : i + 3]
                count = 1
                while count < len(digits) and 0x30 <= digits[count] <= 0x37:
                    count += 1
                out.append(int(digits[:count], 8) & 0xFF)
                i += count - 1
            elif c == 0x0D:  # line continuation
                if data[i + 1 : i + 2] == b"\n":
                    i += 1
            elif c != 0x0A:
                out.append(c)
        elif c == 0x28:
            depth += 1
            out.append(c)
        elif c == 0x29:
            depth -= 1
            if depth == 0:
                return bytes(out), i + 1
            out.append(c)
        else:
            out.append(c)
        i += 1
    return bytes(out), end


def _operations(data: bytes):
    """(operator, operands) of a content stream; arrays as lists, dictionaries skipped as None."""
    operands: list = []
    stack: list[list] = []
    pos, end = 0, len(data)
    while pos < end:
        match = _TOKEN.match(data, pos)
        if match is None:  # a stray delimiter
            pos += 1
            continue
        kind, token = match.lastgroup, match.group()
        pos = match.end()
        target = stack[-1] if stack else operands
        if kind == "ws":
            continue
        if kind == "num":
            target.append(float(token))
        elif kind == "name":
            target.append(token[1:].decode("latin-1"))
        elif kind == "hex":
            digits = re.sub(rb"[^0-9A-Fa-f]", b"", token[1:-1])
            target.append(bytes.fromhex((digits + b"0" * (len(digits) % 2)).decode()))
        elif kind == "lit":
            value, pos = _literal(data, pos)
            target.append(value)
        elif kind == "open":
            stack.append([])
        elif kind == "close":
            if stack:
                closed = stack.pop()
                (stack[-1] if stack else operands).append(closed if token == b"]" else None)
        elif stack:  # true / false / null inside an array or dictionary
            target.append(None)
        else:
            operator = token.decode("latin-1")
            if operator == "ID":  # inline image data: binary up to EI
                found = _INLINE_IMAGE_END.search(data, pos)
                pos = found.end() if found else end
                operands = []
                continue
            yield operator, operands
            operands = []


# --- fonts ------------------------------------------------------------------------------------------------------
def _hex_code(token: bytes) -> tuple[int, int]:
    return int(token, 16), len(token) // 2


def _unicode_map(cmap: bytes) -> dict[bytes, str]:
    out: dict[bytes, str] = {}

    def text(hexdigits: bytes) -> str:
        return bytes.fromhex(hexdigits.decode()).decode("utf-16-be", errors="replace")

    for block in re.findall(rb"beginbfchar(.*?)endbfchar", cmap, re.S):
        for src, dst in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]*)>", block):
            out[bytes.fromhex(src.decode())] = text(dst)
    for block in re.findall(rb"beginbfrange(.*?)endbfrange", cmap, re.S):
        for lo, hi, rest in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*(<[0-9A-Fa-f]*>|\[[^\]]*\])", block):
            first, size = _hex_code(lo)
            last, _ = _hex_code(hi)
            if rest.startswith(b"["):
                targets = [text(t) for t in re.findall(rb"<([0-9A-Fa-f]*)>", rest)]
            else:
                start = bytes.fromhex(rest[1:-1].decode())
                base, tail = start[:-1], start[-1]
                targets = [
                    (base + bytes([tail + i])).decode("utf-16-be", errors="replace")
                    for i in range(min(last - first + 1, 256 - tail))
                ]
            for offset, target in enumerate(targets[: last - first + 1]):
                out[(first + offset).to_bytes(size, "big")] = target
    return out


def _resolve(value):
    return value.get_object() if isinstance(value, generic.IndirectObject) else value


def _get(dictionary, key: str, default=None):
    """A dictionary entry, dereferenced (pyHanko's `get` returns references as they are)."""
    try:
        return dictionary[key]
    except KeyError:
        return default


def _number(value, default: float = 0.0) -> float:
    value = _resolve(value)
    return float(value) if isinstance(value, int | float | Decimal) and not isinstance(value, bool) else default


@dataclass(frozen=True)
class _Measure:
    text: str
    width: float
    count: int  # glyphs
    spaces: int  # single-byte code 32, widened by Tw
    ink_start: tuple[float, int]  # (width, glyphs) before the first visible glyph
    ink_end: tuple[float, int]  # (width, glyphs) up to the end of the last visible glyph


class _Font:
    def __init__(self, font: generic.DictionaryObject) -> None:
        self.two_byte = _get(font, "/Subtype") == "/Type0"
        self.widths: dict[int, float] = {}
        descriptor = None
        if self.two_byte:
            descendant = font["/DescendantFonts"][0]
            self.default_width = _number(_get(descendant, "/DW"), 1000.0)
            entries = [_resolve(entry) for entry in _get(descendant, "/W", [])]
            i = 0
            while i + 1 < len(entries):
                first, second = entries[i], entries[i + 1]
                if isinstance(second, list):
                    for offset, width in enumerate(second):
                        self.widths[int(first) + offset] = _number(width)
                    i += 2
                else:
                    for code in range(int(first), int(second) + 1):
                        self.widths[code] = _number(entries[i + 2])
                    i += 3
            descriptor = _get(descendant, "/FontDescriptor")
        else:
            first = int(_number(_get(font, "/FirstChar")))
            for offset, width in enumerate(_get(font, "/Widths", [])):
                self.widths[first + offset] = _number(width)
            descriptor = _get(font, "/FontDescriptor")
            self.default_width = _number(_get(descriptor, "/MissingWidth")) if descriptor else 0.0
        self.ascent, self.descent = DEFAULT_ASCENT, DEFAULT_DESCENT
        if descriptor is not None:
            # poppler ignores zero and absurd values (LibreOffice writes 0 for both)
            ascent = abs(_number(_get(descriptor, "/Ascent"))) / 1000
            descent = -abs(_number(_get(descriptor, "/Descent"))) / 1000
            if 0 < ascent < 3:
                self.ascent = ascent
            if -3 < descent < 0:
                self.descent = descent
        self.unicode: dict[bytes, str] = {}
        self._measured: dict[bytes, _Measure] = {}
        if "/ToUnicode" in font:
            try:
                self.unicode = _unicode_map(font["/ToUnicode"].data)
            except (PdfError, ValueError, zlib.error) as exc:
                logger.warning("unreadable ToUnicode map: %s", exc)

    def measure(self, string: bytes) -> _Measure:
        """Text and widths (in em) of a shown string."""
        known = self._measured.get(string)
        if known is not None:
            return known
        step = 2 if self.two_byte else 1
        glyphs: list[tuple[str, float]] = []
        for i in range(0, len(string) - step + 1, step):
            raw = string[i : i + step]
            text = self.unicode.get(raw)
            if text is None:
                text = "" if self.two_byte else raw.decode("cp1252", errors="replace")
            glyphs.append((text, self.widths.get(int.from_bytes(raw, "big"), self.default_width) / 1000))
        # poppler's boxes leave out leading and trailing spaces: so do ours
        lead = 0
        while lead < len(glyphs) and not glyphs[lead][0].strip():
            lead += 1
        trail = len(glyphs)
        while trail > lead and not glyphs[trail - 1][0].strip():
            trail -= 1
        self._measured[string] = result = _Measure(
            text="".join(text for text, _ in glyphs),
            width=sum(width for _, width in glyphs),
            count=len(glyphs),
            spaces=0 if self.two_byte else string.count(b" "),
            ink_start=(sum(width for _, width in glyphs[:lead]), lead),
            ink_end=(sum(width for _, width in glyphs[:trail]), trail),
        )
        return result


# --- text layout ------------------------------------------------------------------------------------------------
def _multiply(m: Matrix, n: Matrix) -> Matrix:
    a, b, c, d, e, f = m
    a2, b2, c2, d2, e2, f2 = n
    return (
        a * a2 + b * c2,
        a * b2 + b * d2,
        c * a2 + d * c2,
        c * b2 + d * d2,
        e * a2 + f * c2 + e2,
        e * b2 + f * d2 + f2,
    )


@dataclass
class _Run:
    text: str
    x0: float
    x1: float
    base: float  # user space, origin bottom left
    size: float
    top: float  # base + ascent
    bottom: float  # base + descent


class _TextCollector:
    def __init__(self) -> None:
        self.runs: list[_Run] = []
        self._fonts: dict[int, _Font] = {}

    def font(self, resources, name: str) -> _Font | None:
        fonts = _get(resources, "/Font") if resources is not None else None
        if fonts is None or f"/{name}" not in fonts:
            return None
        reference = fonts.raw_get(f"/{name}")
        key = id(reference) if not isinstance(reference, generic.IndirectObject) else reference.idnum
        if key not in self._fonts:
            self._fonts[key] = _Font(fonts[f"/{name}"])
        return self._fonts[key]

    def _add(self, text: str, x0: float, x1: float, base: float, size: float, font: _Font) -> None:
        run = self.runs[-1] if self.runs else None
        if (
            run is not None
            and abs(run.base - base) <= BASELINE_SLACK
            and -0.2 * size <= x0 - run.x1 <= WORD_SPACE * size
        ):
            run.text += text
            run.x1 = max(run.x1, x1)
            run.top = max(run.top, base + font.ascent * size)
            run.bottom = min(run.bottom, base + font.descent * size)
            return
        self.runs.append(_Run(text, x0, x1, base, size, base + font.ascent * size, base + font.descent * size))

    def _show(
        self,
        items: list,
        font: _Font,
        tm: Matrix,
        ctm: Matrix,
        *,
        size: float,
        scale: float,
        rise: float,
        spacing: tuple[float, float],
    ) -> Matrix:
        """Record the strings of a Tj/TJ; the text matrix after them."""
        a, b, c, d, e, f = _multiply(tm, ctm)
        upright = abs(b) <= 1e-6 * abs(a) and abs(c) <= 1e-6 * abs(d)  # rotated text is not looked for
        char_space, word_space = spacing
        glyph_size, base = abs(size * d), f + rise * d
        tx = 0.0
        for item in items:
            if isinstance(item, float):
                tx -= item / 1000 * size * scale
            elif isinstance(item, bytes):
                glyphs = font.measure(item)

                def advance(width: float, count: int, spaces: int) -> float:
                    return (width * size + char_space * count + word_space * spaces) * scale

                if upright and glyphs.text.strip():
                    # word spacing only counts for spaces, which never lie inside the ink's ends
                    start = tx + advance(*glyphs.ink_start, 0)
                    end = tx + advance(*glyphs.ink_end, 0) - char_space * scale
                    x0, x1 = e + start * a, e + end * a
                    self._add(glyphs.text.strip(), min(x0, x1), max(x0, x1), base, glyph_size, font)
                tx += advance(glyphs.width, glyphs.count, glyphs.spaces)
        return (tm[0], tm[1], tm[2], tm[3], tm[4] + tx * tm[0], tm[5] + tx * tm[1])

    def run(self, content: bytes, resources, ctm: Matrix, depth: int = 0) -> None:
        gstack: list[Matrix] = []
        tm = tlm = IDENTITY
        font: _Font | None = None
        size = char_space = word_space = rise = leading = 0.0
        scale = 1.0
        tstack: list[tuple] = []
        for op, args in _operations(content):
            if op == "q":
                gstack.append(ctm)
                tstack.append((font, size, char_space, word_space, scale, leading, rise))
            elif op == "Q":
                if gstack:
                    ctm = gstack.pop()
                    font, size, char_space, word_space, scale, leading, rise = tstack.pop()
            elif op == "cm" and len(args) == 6:
                ctm = _multiply(tuple(args), ctm)
            elif op == "BT":
                tm = tlm = IDENTITY
            elif op == "Tf" and len(args) == 2:
                font, size = self.font(resources, str(args[0])), float(args[1] or 0)
            elif op == "Tc" and args:
                char_space = float(args[0])
            elif op == "Tw" and args:
                word_space = float(args[0])
            elif op == "Tz" and args:
                scale = float(args[0]) / 100
            elif op == "TL" and args:
                leading = float(args[0])
            elif op == "Ts" and args:
                rise = float(args[0])
            elif op in ("Td", "TD") and len(args) == 2:
                if op == "TD":
                    leading = -float(args[1])
                tlm = tm = _multiply((1, 0, 0, 1, float(args[0]), float(args[1])), tlm)
            elif op == "Tm" and len(args) == 6:
                tlm = tm = tuple(float(a) for a in args)
            elif op == "T*":
                tlm = tm = _multiply((1, 0, 0, 1, 0, -leading), tlm)
            elif op in ("Tj", "'", '"', "TJ"):
                if op in ("'", '"'):
                    if op == '"' and len(args) == 3:
                        word_space, char_space = float(args[0]), float(args[1])
                    tlm = tm = _multiply((1, 0, 0, 1, 0, -leading), tlm)
                if not args or font is None:
                    continue
                items = args[-1] if op == "TJ" else [args[-1]]
                if isinstance(items, list):
                    tm = self._show(
                        items, font, tm, ctm, size=size, scale=scale, rise=rise, spacing=(char_space, word_space)
                    )
            elif op == "Do" and args and depth < 8 and resources is not None:
                objects = _get(resources, "/XObject")
                name = f"/{args[0]}"
                if objects is not None and name in objects:
                    form = objects[name]
                    if _get(form, "/Subtype") == "/Form":
                        matrix = tuple(_number(v) for v in _get(form, "/Matrix", IDENTITY))
                        self.run(form.data, _get(form, "/Resources", resources), _multiply(matrix, ctm), depth + 1)


def _lines(runs: list[_Run], *, left: float, top: float) -> tuple[Line, ...]:
    """Runs on one baseline, close enough, make a line; coordinates from the top left, like poppler."""
    lines: list[Line] = []
    current: list[_Run] = []

    def flush() -> None:
        if current:
            text = ""
            for index, run in enumerate(current):
                if index and run.x0 - current[index - 1].x1 > WORD_SPACE * run.size and not text.endswith(" "):
                    text += " "
                text += run.text
            lines.append(
                Line(
                    text=" ".join(text.split()),
                    x_min=round(min(r.x0 for r in current) - left, 3),
                    y_min=round(top - max(r.top for r in current), 3),
                    x_max=round(max(r.x1 for r in current) - left, 3),
                    y_max=round(top - min(r.bottom for r in current), 3),
                )
            )
        current.clear()

    for run in sorted((r for r in runs if r.text.strip()), key=lambda r: (-round(r.base, 1), r.x0)):
        if current:
            last = current[-1]
            if abs(last.base - run.base) > BASELINE_SLACK or run.x0 - last.x1 > COLUMN_GAP * max(run.size, last.size):
                flush()
        current.append(run)
    flush()
    return tuple(sorted(lines, key=lambda line: (line.y_min, line.x_min)))


def _page_tree(node, inherited: dict, out: list, depth: int = 0) -> None:
    node = node.get_object()
    inherited = {**inherited, **{k: node.raw_get(k) for k in ("/Resources", "/MediaBox", "/CropBox") if k in node}}
    if "/Kids" in node and depth < 32:
        for kid in node["/Kids"]:
            _page_tree(kid, inherited, out, depth + 1)
    else:
        out.append((node, inherited))


_READ_ERRORS = (PdfError, KeyError, IndexError, TypeError, ValueError, AttributeError, zlib.error)


class Layout(Sequence[Page]):
    """The pages of a PDF, each read when first asked for: the signature block is looked for from the last page
    back, so the pages before it are usually never parsed."""

    def __init__(self, pdf: bytes) -> None:
        try:
            reader = PdfFileReader(io.BytesIO(pdf), strict=False)
            self._nodes: list = []
            _page_tree(reader.root.raw_get("/Pages"), {}, self._nodes)
        except _READ_ERRORS as exc:
            raise ConversionError(f"the PDF could not be read: {exc}") from exc
        self._pages: list[Page | None] = [None] * len(self._nodes)
        self._collector = _TextCollector()  # shares the fonts between pages

    def __len__(self) -> int:
        return len(self._nodes)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError("page index out of range")
        page = self._pages[index]
        if page is None:
            try:
                page = self._pages[index] = self._read(*self._nodes[index])
            except _READ_ERRORS as exc:
                raise ConversionError(f"page {index + 1} of the PDF could not be read: {exc}") from exc
        return page

    def _read(self, node, inherited: dict) -> Page:
        box = [_number(v) for v in _resolve(inherited.get("/CropBox") or inherited["/MediaBox"])]
        x0, y0, x1, y1 = min(box[0], box[2]), min(box[1], box[3]), max(box[0], box[2]), max(box[1], box[3])
        try:
            contents = _get(node, "/Contents")
            streams = contents if isinstance(contents, list) else [contents] if contents is not None else []
            data = b"\n".join(_resolve(stream).data for stream in streams)
            collector = self._collector
            collector.runs = []
            collector.run(data, _resolve(inherited.get("/Resources")), IDENTITY)
            lines = _lines(collector.runs, left=x0, top=y1)
        except _READ_ERRORS as exc:
            # The PDF itself is LibreOffice's and fine; only its text could not be followed here (a construct of
            # an uploaded template this reader does not know): the page counts as one without a signature block.
            logger.warning("text of a %.0fx%.0f pt page not read: %s", x1 - x0, y1 - y0, exc)
            lines = ()
        return Page(width=x1 - x0, height=y1 - y0, lines=lines)


def read_layout(pdf: bytes) -> Layout:
    """The PDF's pages (size and text lines), read on demand. Raises ConversionError for an unreadable PDF."""
    return Layout(pdf)


def signature_box(pages: Sequence[Page], *, title: str, name: str, min_width: float = 170.0) -> tuple[int, Box]:
    """(page index, (x1, y1, x2, y2)) in PDF points, origin bottom-left: the space between the signer's
    title line and name line, as wide as the wider of the two (at least `min_width`), centred on the name."""
    wanted_name, wanted_title = _normal(name), _normal(title)
    for index in range(len(pages) - 1, -1, -1):
        page = pages[index]
        names = [line for line in page.lines if _normal(line.text) == wanted_name]
        if not names:
            continue
        name_line = names[-1]
        centre = (name_line.x_min + name_line.x_max) / 2
        above = [
            line
            for line in page.lines
            if line.y_max <= name_line.y_min and line.x_min <= centre <= line.x_max and line is not name_line
        ]
        titles = [line for line in above if _normal(line.text) == wanted_title] or above
        if not titles:
            continue
        title_line = max(titles, key=lambda line: line.y_max)
        half = max(min_width, name_line.x_max - name_line.x_min, title_line.x_max - title_line.x_min) / 2
        x1 = max(0.0, centre - half)
        x2 = min(page.width, centre + half)
        y1 = page.height - name_line.y_min + 1
        y2 = page.height - title_line.y_max - 1
        return index, (round(x1, 2), round(y1, 2), round(x2, 2), round(y2, 2))
    # A custom template without a recognisable block: the lower right quarter of the last page.
    logger.warning("signature block not found (title %r, name %r): using a default box", title, name)
    page = pages[-1]
    return len(pages) - 1, (page.width * 0.55, page.height * 0.15, page.width * 0.9, page.height * 0.3)
