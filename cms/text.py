"""Text helpers for Vietnamese search and plain-text bodies.

Search folds text with `core.text.fold` (one character for one, so an offset in the folded text is the same
offset in the original: highlights are found in the folded copy and applied to the original). `search_key`
collapses that further into space-separated words for the database.
"""

from __future__ import annotations

import re

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from core.text import fold

_NON_WORD = re.compile(r"[^0-9a-z]+")


def search_key(text: str) -> str:
    """Folded words separated by single spaces: "Chỉ thị 28/CT-BTTTT" -> "chi thi 28 ct btttt"."""
    return _NON_WORD.sub(" ", fold(text)).strip()


def highlight(text: str, terms: list[str]) -> SafeString:
    """Escape `text` and wrap every word that starts with one of the folded `terms` in <mark>."""
    if not terms:
        return escape(text)
    pattern = re.compile(
        r"(?<![0-9a-z])(?:" + "|".join(re.escape(t) for t in sorted(terms, key=len, reverse=True)) + ")"
    )
    folded = fold(text)
    parts: list[str] = []
    last = 0
    for match in pattern.finditer(folded):
        parts.append(escape(text[last : match.start()]))
        parts.append(f"<mark>{escape(text[match.start() : match.end()])}</mark>")
        last = match.end()
    parts.append(escape(text[last:]))
    return mark_safe("".join(parts))  # noqa: S308 - every piece is escaped above


def snippet(text: str, terms: list[str], *, width: int = 240) -> str:
    """The part of `text` around the first match of any term (or its beginning)."""
    folded = fold(text)
    first = min((i for i in (_find_word(folded, t) for t in terms) if i >= 0), default=0)
    if len(text) <= width:
        return text
    start = max(0, first - width // 3)
    if start:
        space = text.find(" ", start)
        start = space + 1 if 0 <= space < first else start
    end = min(len(text), start + width)
    return ("… " if start else "") + text[start:end].strip() + (" …" if end < len(text) else "")


def _find_word(folded: str, term: str) -> int:
    match = re.search(r"(?<![0-9a-z])" + re.escape(term), folded)
    return match.start() if match else -1


_BOLD_LINE = re.compile(r"^\*\*(.+?)\*\*$")


def text_to_blocks(text: str) -> list[tuple[str, str]]:
    """Lines of plain text to ("heading", text) and ("html", "<p>…</p>" / "<ul>…</ul>") pieces.

    Understands the light markup of the seed texts: "## x" headings, whole-line "**x**" sub-headings, "- x" lists.
    """
    blocks: list[tuple[str, str]] = []
    items: list[str] = []

    def flush() -> None:
        if items:
            blocks.append(("html", "<ul>" + "".join(f"<li>{i}</li>" for i in items) + "</ul>"))
            items.clear()

    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        if line.startswith(("- ", "+ ", "• ")):
            items.append(escape(_strip_bold(line[2:].strip())))
            continue
        flush()
        if line.startswith("#"):
            blocks.append(("heading", _strip_bold(line.lstrip("#").strip())))
        elif _BOLD_LINE.match(line):
            blocks.append(("subheading", _strip_bold(line)))
        else:
            blocks.append(("html", f"<p>{escape(_strip_bold(line))}</p>"))
    flush()
    return blocks


def text_to_html(text: str) -> str:
    """Plain text to simple HTML (see `text_to_blocks`)."""
    tags = {"heading": "h2", "subheading": "h3"}
    return "".join(
        f"<{tags[kind]}>{escape(value)}</{tags[kind]}>" if kind in tags else value
        for kind, value in text_to_blocks(text)
    )


def _strip_bold(text: str) -> str:
    return text.replace("**", "")
