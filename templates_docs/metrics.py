"""Text widths in Liberation Serif (metric-compatible with Times New Roman), to size the ND30 rules."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from fontTools.ttLib import TTFont

_FONT_DIRS = (
    Path("/usr/share/fonts/truetype/liberation2"),
    Path("/usr/share/fonts/truetype/liberation"),
)
# Average advance of a Times glyph, used when the font file is missing (em fraction).
_FALLBACK_EM = {False: 0.5, True: 0.55}


@cache
def _font(bold: bool) -> tuple[dict[int, str], dict[str, tuple[int, int]], int] | None:
    name = "LiberationSerif-Bold.ttf" if bold else "LiberationSerif-Regular.ttf"
    for folder in _FONT_DIRS:
        path = folder / name
        if path.exists():
            with TTFont(path) as font:
                return font.getBestCmap(), dict(font["hmtx"].metrics), font["head"].unitsPerEm
    return None


def text_width_pt(text: str, *, size: float, bold: bool = False) -> float:
    font = _font(bold)
    if font is None:
        return len(text) * size * _FALLBACK_EM[bold]
    cmap, hmtx, units = font
    total = 0
    for char in text:
        glyph = cmap.get(ord(char))
        total += hmtx[glyph][0] if glyph in hmtx else units // 2
    return total * size / units
