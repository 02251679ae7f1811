"""The stamp font, prepared once per process and embedded per signature as a subset built by byte copying.

pyHanko's `GlyphAccumulator` re-parses the font file and runs fontTools' subsetter and compiler for every
signature (~10 ms of a ~17 ms text stamp here). This engine shapes with the same code (pyHanko's
`GlyphAccumulator.shape`, HarfBuzz on the same font) but parses the font once, and writes each signature's font
program by copying the raw `glyf` records of the glyphs used (and of their composite components) into a font whose
other tables are copied as they are. Glyph ids are kept, as pyHanko keeps them for TrueType fonts (the PDF uses
/CIDToGIDMap /Identity), so the content stream, /W widths and ToUnicode are those pyHanko would write.

The font must be a TrueType (`glyf`) font already rescaled to 1000 units/em: `signing.appearance.prepared_font`.
"""

from __future__ import annotations

import struct
import threading
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

import uharfbuzz as hb
from fontTools.ttLib import TTFont
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.font.api import FontEngine, FontEngineFactory
from pyhanko.pdf_utils.font.opentype import (
    CIDFontType2,
    GlyphAccumulator,
    _build_type0_font_from_cidfont,
    _read_ps_name,
)

__all__ = ["StampFont", "StampFontFactory", "stamp_font"]

# Not needed to draw glyphs from a PDF (pyHanko's subsetter drops the same layout tables).
_DROPPED_TABLES = {"GDEF", "GPOS", "GSUB", "DSIG", "glyf", "loca", "head"}
_lock = threading.Lock()
_fonts: dict[tuple[str, int], StampFont] = {}


def _checksum(data: bytes) -> int:
    data += b"\0" * (-len(data) % 4)
    return sum(struct.unpack(f">{len(data) // 4}I", data)) & 0xFFFFFFFF


def _pad4(data: bytes) -> bytes:
    return data + b"\0" * (-len(data) % 4)


class StampFont:
    """One parsed TrueType font: HarfBuzz face, advance widths, raw glyph records and composite closures."""

    def __init__(self, path: str | Path) -> None:
        data = Path(path).read_bytes()
        self.path = str(path)
        self.hb_font = hb.Font(hb.Face(data))
        tt = TTFont(BytesIO(data))
        if "glyf" not in tt:
            from signing.errors import SigningError

            raise SigningError(f"stamp font {path} is not a TrueType (glyf) font (set SIGNING_STAMP_FONT)")
        self.tt = tt
        self.ps_name = _read_ps_name(tt)
        self.units_per_em = tt["head"].unitsPerEm
        order = tt.getGlyphOrder()
        self.glyph_count = len(order)
        hmtx = tt["hmtx"].metrics
        self.widths = [hmtx[name][0] for name in order]
        self.reverse_cmap = tt["cmap"].buildReversed()
        # touch every table CIDFontType2 / FontDescriptor read, so that later use from threads only reads
        for tag in ("hhea", "OS/2", "post", "maxp", "name"):
            tt[tag]  # noqa: B018
        raw_glyf = tt.reader["glyf"]
        raw_loca = tt.reader["loca"]
        if tt["head"].indexToLocFormat == 0:
            offsets = [2 * v for v in struct.unpack(f">{len(raw_loca) // 2}H", raw_loca)]
        else:
            offsets = list(struct.unpack(f">{len(raw_loca) // 4}I", raw_loca))
        self.glyph_data = [_pad4(raw_glyf[offsets[i] : offsets[i + 1]]) for i in range(self.glyph_count)]
        glyf = tt["glyf"]
        closure: list[frozenset[int]] = []
        for gid, name in enumerate(order):
            todo, seen = [name], {gid}
            while todo:
                glyph = glyf[todo.pop()]
                if glyph.isComposite():
                    for comp in glyph.getComponentNames(glyf):
                        cid = tt.getGlyphID(comp)
                        if cid not in seen:
                            seen.add(cid)
                            todo.append(comp)
            closure.append(frozenset(seen))
        self.closure = closure
        head = bytearray(tt.reader["head"])
        head[8:12] = b"\0\0\0\0"  # checkSumAdjustment, computed per font program
        self._heads = []
        for loca_format in (0, 1):  # short (offset / 2 in 16 bits) or long offsets
            head[50:52] = struct.pack(">h", loca_format)
            self._heads.append(bytes(head))
        self._tables = {tag: tt.reader[tag] for tag in sorted(tt.reader.keys()) if tag not in _DROPPED_TABLES}
        self._checksums = {tag: _checksum(raw) for tag, raw in self._tables.items()}

    def program(self, glyph_ids) -> bytes:
        """A TrueType font program with the glyphs `glyph_ids` (and .notdef, and composite components); every
        other glyph id is kept, empty."""
        keep: set[int] = set(self.closure[0])
        for gid in glyph_ids:
            keep |= self.closure[gid]
        chunks, offsets, pos = [], [0], 0
        for gid, record in enumerate(self.glyph_data):
            if gid in keep:
                chunks.append(record)
                pos += len(record)
            offsets.append(pos)
        tables = dict(self._tables)
        checksums = dict(self._checksums)
        tables["glyf"] = b"".join(chunks)
        if pos < 0x20000:
            tables["loca"] = struct.pack(f">{len(offsets)}H", *(o // 2 for o in offsets))
            tables["head"] = self._heads[0]
        else:
            tables["loca"] = struct.pack(f">{len(offsets)}I", *offsets)
            tables["head"] = self._heads[1]
        for tag in ("glyf", "loca", "head"):
            checksums[tag] = _checksum(tables[tag])
        tags = sorted(tables)
        count = len(tags)
        power = 1 << (count.bit_length() - 1)
        header = struct.pack(">IHHHH", 0x00010000, count, power * 16, power.bit_length() - 1, count * 16 - power * 16)
        offset = len(header) + 16 * count
        directory, body = [], []
        head_offset = 0
        for tag in tags:
            raw = tables[tag]
            if tag == "head":
                head_offset = offset
            directory.append(struct.pack(">4sIII", tag.encode("latin-1"), checksums[tag], offset, len(raw)))
            padded = _pad4(raw)
            body.append(padded)
            offset += len(padded)
        font = bytearray(header + b"".join(directory) + b"".join(body))
        # the directory's own checksum plus the tables' gives the file's (tables are 4-aligned)
        total = (_checksum(bytes(font[: len(header) + 16 * count])) + sum(checksums.values())) & 0xFFFFFFFF
        font[head_offset + 8 : head_offset + 12] = struct.pack(">I", (0xB1B0AFBA - total) & 0xFFFFFFFF)
        return bytes(font)


def stamp_font(path: str | Path) -> StampFont:
    """The process-wide `StampFont` of `path` (re-read when the file changes)."""
    p = Path(path)
    key = (str(p), p.stat().st_mtime_ns)
    with _lock:
        font = _fonts.get(key)
        if font is None:
            font = _fonts[key] = StampFont(p)
    return font


class _SubsetCIDFont(CIDFontType2):
    program: bytes = b""

    def set_font_file(self, writer):
        stream = generic.StreamObject(stream_data=self.program)
        stream.compress()
        ref = writer.add_object(stream)
        self._font_descriptor[generic.pdf_name("/FontFile2")] = ref
        return ref


class _StampFontEngine(GlyphAccumulator):
    """pyHanko's GlyphAccumulator (its shaping, widths and ToUnicode code) over a shared, pre-parsed font."""

    def __init__(self, writer, font: StampFont, font_size: int, obj_stream=None) -> None:
        FontEngine.__init__(
            self, writer, font.ps_name, embedded_subset=True, obj_stream=obj_stream, font_size=font_size
        )
        self._font = font
        self.hb_font = font.hb_font
        self.tt = font.tt
        self._font_ref = writer.allocate_placeholder()
        self.cff_charset = None
        self.use_raw_gids = True
        self.cidfont_obj = _SubsetCIDFont(font.tt, font.ps_name, self.subset_prefix)
        self.features = None
        self.units_per_em = font.units_per_em
        self._glyphs = {}
        self._cid_to_unicode = {}
        self._GlyphAccumulator__reverse_cmap = font.reverse_cmap
        self.ot_language_tag = self.ot_script_tag = self.writing_direction = self.bcp47_lang_code = None
        self._subset_created = self._write_prepared = False

    def _get_cid_and_width(self, glyph_id: int) -> tuple[int, int]:
        result = self._glyphs.get(glyph_id)
        if result is None:
            result = self._glyphs[glyph_id] = (glyph_id, self._font.widths[glyph_id])
        return result

    def prepare_write(self) -> None:
        if self._write_prepared:
            return
        self.cidfont_obj.program = self._font.program(self._glyphs)
        type0 = _build_type0_font_from_cidfont(
            writer=self.writer,
            cidfont_obj=self.cidfont_obj,
            widths_by_cid_iter=iter(sorted(self._glyphs.values())),
            obj_stream=self.obj_stream,
            vertical=False,
        )
        type0["/ToUnicode"] = self.writer.add_object(self._format_tounicode_cmap())
        self.writer.add_object(type0, self.obj_stream, idnum=self._font_ref.idnum)
        self._write_prepared = True


@dataclass(frozen=True)
class StampFontFactory(FontEngineFactory):
    """Font engine factory for pyHanko text boxes: `TextBoxStyle(font=StampFontFactory(path, font_size=10))`."""

    font_file: str
    font_size: int = 10

    def create_font_engine(self, writer, obj_stream=None) -> GlyphAccumulator:
        if obj_stream is None and writer.stream_xrefs:
            obj_stream = writer.prepare_object_stream()
        return _StampFontEngine(writer, stamp_font(self.font_file), self.font_size, obj_stream=obj_stream)
