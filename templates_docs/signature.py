"""Where the signature goes: read from markers the template puts in the signer block, not from the page's text.

A template marks its signer block with three bookmarks (Word: Insert → Bookmark; LibreOffice: Insert →
Bookmark):

- `VanthuSignature` at the start of the empty paragraph under the signer's title, where the space for the
  signature begins;
- `VanthuSignerName` just before the signer's name, `VanthuSignerNameEnd` just after it.

LibreOffice exports bookmarks as named destinations (`ExportBookmarksToPDFDestination`, set by `office.convert`):
each is a page and a point, the left edge and the top of the line at the bookmark's position. Destinations are
not drawn, are not links and are allowed in PDF/A-2, so the printed page is the same with or without them.

The box runs from just below the title line to just above the name line, at least `MIN_WIDTH` wide, centred on
the name. A PDF without the three markers (a template uploaded without them) gets `default_box` on its last page
and a warning in the log; it never fails the render.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.rw_common import find_inherited_value_in_tree

from templates_docs.errors import ConversionError

__all__ = ["MARKERS", "MIN_WIDTH", "PdfFacts", "default_box", "read_pdf"]

logger = logging.getLogger(__name__)

Box = tuple[float, float, float, float]

# Letters only: LibreOffice writes any other character of a destination name as its hex code.
SIGNATURE, SIGNER_NAME, SIGNER_NAME_END = "VanthuSignature", "VanthuSignerName", "VanthuSignerNameEnd"
MARKERS = (SIGNATURE, SIGNER_NAME, SIGNER_NAME_END)
MIN_WIDTH = 170.0  # points: room for a signature image and the seal over its left third
MIN_HEIGHT = 20.0
MARGIN = 1.0  # points kept clear of the title above and the name below


@dataclass(frozen=True)
class PdfFacts:
    page_count: int
    # (0-based page index, (x1, y1, x2, y2)) in PDF points, origin bottom-left
    signature_box: tuple[int, Box]
    marked: bool  # False: no usable markers, the box is `default_box`


@dataclass(frozen=True)
class _Point:
    page: int
    x: float
    y: float


def default_box(width: float, height: float) -> Box:
    """A template without markers: the lower right quarter of the last page, where ND30 puts the signer."""
    return (round(width * 0.55, 2), round(height * 0.15, 2), round(width * 0.9, 2), round(height * 0.3, 2))


def _destinations(root) -> dict[str, generic.ArrayObject]:
    """Named destinations: the catalog's /Dests dictionary (LibreOffice's) or the /Names /Dests name tree."""
    found: dict[str, generic.ArrayObject] = {}
    if "/Dests" in root:
        for name, value in root["/Dests"].items():
            found[str(name).lstrip("/")] = value
    if "/Names" in root and "/Dests" in root["/Names"]:
        pending, seen = [root["/Names"]["/Dests"]], 0
        while pending and seen < 1000:
            node, seen = pending.pop(), seen + 1
            names = node.get("/Names", [])
            for index in range(0, len(names) - 1, 2):
                value = names[index + 1]
                found[str(names[index])] = value["/D"] if isinstance(value, generic.DictionaryObject) else value
            pending.extend(node.get("/Kids", []))
    return found


def _pages(reader: PdfFileReader, count: int) -> dict[generic.Reference, int]:
    return {reader.find_page_for_modification(index)[0].reference: index for index in range(count)}


def _point(destination, pages: dict[generic.Reference, int]) -> _Point | None:
    if not isinstance(destination, generic.ArrayObject) or len(destination) < 4:
        return None
    page_ref = destination.raw_get(0)
    if not isinstance(page_ref, generic.IndirectObject) or page_ref.reference not in pages:
        return None
    kind, left, top = destination[1], destination[2], destination[3]
    numbers = generic.NumberObject | generic.FloatObject
    if kind != "/XYZ" or not isinstance(left, numbers) or not isinstance(top, numbers):
        return None
    return _Point(pages[page_ref.reference], float(left), float(top))


def _box(points: dict[str, _Point], page_width: float) -> tuple[int, Box] | None:
    top, name, end = points[SIGNATURE], points[SIGNER_NAME], points.get(SIGNER_NAME_END)
    if top.page != name.page or top.y - name.y < MIN_HEIGHT + 2 * MARGIN:
        return None
    if end is not None and end.page == name.page and abs(end.y - name.y) < 0.5 and end.x > name.x:
        centre, name_width = (name.x + end.x) / 2, end.x - name.x
    else:  # the name wraps: the marker at the start of the (centred) empty paragraph is the centre
        centre, name_width = top.x, 0.0
    half = max(MIN_WIDTH, name_width) / 2
    x1, x2 = max(0.0, centre - half), min(page_width, centre + half)
    return top.page, (round(x1, 2), round(name.y + MARGIN, 2), round(x2, 2), round(top.y - MARGIN, 2))


def read_pdf(pdf: bytes) -> PdfFacts:
    """Page count and signature box of a PDF LibreOffice made. Raises ConversionError for an unreadable PDF."""
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        root = reader.root
        count = int(root["/Pages"]["/Count"])
        if count < 1:
            raise ConversionError("LibreOffice produced a PDF without pages")
        last_page, _ = reader.find_page_for_modification(count - 1)
        media = [float(v) for v in find_inherited_value_in_tree(last_page.get_object(), "/MediaBox", "/Parent")]
    except (PdfError, KeyError, IndexError, TypeError, ValueError, AttributeError) as exc:
        raise ConversionError(f"the PDF could not be read: {exc}") from exc
    width, height = media[2] - media[0], media[3] - media[1]
    try:
        destinations = _destinations(root)
        reason = "markers missing"
        if SIGNATURE in destinations and SIGNER_NAME in destinations:
            reason = "markers out of place"
            pages = _pages(reader, count)
            points = {m: p for m in MARKERS if m in destinations and (p := _point(destinations[m], pages))}
            if SIGNATURE in points and SIGNER_NAME in points and (found := _box(points, width)):
                return PdfFacts(page_count=count, signature_box=found, marked=True)
    except (PdfError, KeyError, IndexError, TypeError, ValueError, AttributeError) as exc:
        reason = f"markers unreadable ({exc})"
    logger.warning(
        "signature position not marked in the template (%s: bookmarks %s): using the default box", reason, MARKERS
    )
    return PdfFacts(page_count=count, signature_box=(count - 1, default_box(width, height)), marked=False)
