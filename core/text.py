"""The project's one diacritic folding, for search and for comparing Vietnamese names.

`fold` maps every character to exactly one character (lower case, no diacritics, đ→d), so an offset in the
folded text is the same offset in the original: search highlights are found in the folded copy and applied to
the original.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache


@lru_cache(maxsize=4096)
def _fold_char(char: str) -> str:
    if char in "đĐ":
        return "d"
    lowered = char.lower()
    if len(lowered) != 1:
        return char
    base = "".join(c for c in unicodedata.normalize("NFD", lowered) if not unicodedata.combining(c))
    return base if len(base) == 1 else lowered


def fold(text: str) -> str:
    """Lower-case `text` and strip Vietnamese diacritics, keeping its length: "Hàng cấm" -> "hang cam"."""
    return "".join(_fold_char(c) for c in text)


def same_name(a: str, b: str) -> bool:
    """Whether two names are the same once folded and with runs of spaces collapsed: "Nguyễn  Văn Bình" is
    "nguyen van binh"."""
    return fold(a).split() == fold(b).split()
