"""An agency's name as written inside a sentence, from the capitals printed in a document's header.

ND30 Phụ lục II (viết hoa tên cơ quan, tổ chức): capitalise the first letter of the words naming the kind of
body and each of its fields of activity, and every syllable of a place name; the rest is lower case. So
"SỞ KHOA HỌC VÀ CÔNG NGHỆ" is "Sở Khoa học và Công nghệ" in running text, "UBND TỈNH LẠNG SƠN" is "UBND tỉnh
Lạng Sơn" — never "Sở khoa học và công nghệ" (what `str.capitalize` gives).

Capitals do not say where one word of a field ends ("KHOA HỌC" is one word of two syllables), so this follows
the way names of Vietnamese public bodies are built: a kind of body from a known list, then fields joined by
"và" or commas, each starting with a capital, then an administrative unit ("tỉnh", "xã"…) followed by a place
name. A name already typed in mixed case is taken as written.
"""

from __future__ import annotations

import re

__all__ = ["agency_in_text"]

# Kinds of body, longest first (a name starts with one of them)
_KINDS = sorted(
    (
        "ủy ban nhân dân",
        "hội đồng nhân dân",
        "ban quản lý",
        "chi cục",
        "tổng cục",
        "cục",
        "sở",
        "bộ",
        "vụ",
        "ban",
        "phòng",
        "văn phòng",
        "thanh tra",
        "trung tâm",
        "viện",
        "trường",
        "công ty",
        "tổng công ty",
        "bưu điện",
        "chi nhánh",
    ),
    key=lambda kind: -len(kind.split()),
)
_UNITS = ("thành phố", "thị xã", "đặc khu", "tỉnh", "huyện", "quận", "xã", "phường", "thị trấn")
_JOINERS = {"và", ",", "-", "&"}
# A Vietnamese syllable: onset, vowels, final. Anything else in capitals is an abbreviation (UBND, TNHH, KT1).
_SYLLABLE = re.compile(
    r"^(ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdđghklmnpqrstvx])?"
    r"[aàáảãạăằắẳẵặâầấẩẫậeèéẻẽẹêềếểễệiìíỉĩịoòóỏõọôồốổỗộơờớởỡợuùúủũụưừứửữựyỳýỷỹỵ]+"
    r"(ng|nh|ch|[cmnpt])?$"
)
_TOKENS = re.compile(r"[^\s,]+|,")


def _cap(word: str) -> str:
    return word[:1].upper() + word[1:]


def _words_match(tokens: list[str], start: int, phrase: str) -> bool:
    words = phrase.split()
    return [t.casefold() for t in tokens[start : start + len(words)]] == words


def agency_in_text(name: str, *, place: str = "") -> str:
    """ "SỞ THÔNG TIN VÀ TRUYỀN THÔNG" → "Sở Thông tin và Truyền thông". `place` ("Lạng Sơn") is printed as it is
    given where the name ends with it. A name with both capitals and small letters is returned unchanged."""
    name = " ".join(name.split())
    if not name or (name != name.upper() and name != name.lower()):
        return name
    tokens = _TOKENS.findall(name)
    place_words = place.split()
    out: list[str] = []
    index, capital_next, in_place = 0, True, False
    kind = next((k for k in _KINDS if _words_match(tokens, 0, k)), None)
    if kind:
        count = len(kind.split())
        out += [_cap(kind.split()[0])] + kind.split()[1:]
        index = count
    while index < len(tokens):
        token = tokens[index]
        lower = token.casefold()
        if place_words and _words_match(tokens, index, place.casefold()) and index + len(place_words) == len(tokens):
            out += place_words
            break
        unit = next((u for u in _UNITS if _words_match(tokens, index, u)), None)
        if unit and out:
            out += unit.split()
            index += len(unit.split())
            in_place, capital_next = True, False
            continue
        if lower in _JOINERS:
            out.append(lower)
            capital_next = True
        elif not _SYLLABLE.match(lower):
            out.append(token.upper())  # an abbreviation: what follows it starts as it would have
        elif in_place or capital_next:
            out.append(_cap(lower))
            capital_next = False
        else:
            out.append(lower)
        index += 1
    return " ".join(out).replace(" ,", ",")
