"""Facts read back from a rendered PDF with poppler: page count and where the signature goes."""

from __future__ import annotations

import logging
import subprocess
import xml.etree.ElementTree as ET
from dataclasses import dataclass

from templates_docs.errors import ConversionError

logger = logging.getLogger(__name__)

_NS = {"x": "http://www.w3.org/1999/xhtml"}
Box = tuple[float, float, float, float]


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


def read_layout(pdf: bytes) -> list[Page]:
    try:
        proc = subprocess.run(
            ["pdftotext", "-bbox-layout", "-", "-"],  # noqa: S607 - poppler-utils is a system dependency
            input=pdf,
            capture_output=True,
            timeout=60,
            check=True,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        raise ConversionError(f"pdftotext could not read the PDF: {exc}") from exc
    root = ET.fromstring(proc.stdout)  # noqa: S314 - poppler's own XHTML, user text escaped
    pages = []
    for page in root.iter(f"{{{_NS['x']}}}page"):
        lines = []
        for line in page.iter(f"{{{_NS['x']}}}line"):
            words = [w.text or "" for w in line.iter(f"{{{_NS['x']}}}word")]
            lines.append(
                Line(
                    text=" ".join(words),
                    x_min=float(line.get("xMin")),
                    y_min=float(line.get("yMin")),
                    x_max=float(line.get("xMax")),
                    y_max=float(line.get("yMax")),
                )
            )
        pages.append(Page(width=float(page.get("width")), height=float(page.get("height")), lines=tuple(lines)))
    return pages


def signature_box(pages: list[Page], *, title: str, name: str, min_width: float = 170.0) -> tuple[int, Box]:
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
