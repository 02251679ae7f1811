#!/usr/bin/env python3
"""Count untranslated entries in the gettext catalogues under locale/.

Usage:  python locale/translate_check.py [-v] [PO_FILE ...]

Without PO_FILE it checks every locale/*/LC_MESSAGES/*.po next to this script.
An entry counts as untranslated when its msgstr (or any msgstr[n] of a plural
entry) is empty; fuzzy entries are reported separately because msgfmt /
compilemessages ignore them. With -v the msgids are listed too. Standard
library only; always exits 0 (it is an informational check).
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path


def _unquote(line: str) -> str:
    try:
        return ast.literal_eval(line)
    except (ValueError, SyntaxError):
        return line.strip().strip('"')


def parse(path: Path) -> list[dict]:
    """Return the non-obsolete entries of a .po file as dicts (msgid, msgstrs, fuzzy)."""
    entries: list[dict] = []
    cur: dict | None = None
    key: str | None = None

    def flush() -> None:
        if cur is not None and "msgid" in cur:
            entries.append(cur)

    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line:
            flush()
            cur, key = None, None
            continue
        if line.startswith("#~"):  # obsolete entry
            continue
        if cur is None:
            cur = {"fuzzy": False, "msgstrs": {}}
        if line.startswith("#,"):
            cur["fuzzy"] = cur["fuzzy"] or "fuzzy" in line
            continue
        if line.startswith("#"):
            continue
        if line.startswith('"'):
            if key == "msgid":
                cur["msgid"] += _unquote(line)
            elif key == "msgid_plural":
                cur["msgid_plural"] += _unquote(line)
            elif key is not None:
                cur["msgstrs"][key] += _unquote(line)
            continue
        word, _, rest = line.partition(" ")
        if word in ("msgid", "msgid_plural", "msgctxt"):
            if word == "msgid" and "msgid" in cur:  # entries not separated by a blank line
                flush()
                cur = {"fuzzy": False, "msgstrs": {}}
            cur[word] = _unquote(rest)
            key = word if word != "msgctxt" else None
        elif word.startswith("msgstr"):
            key = word
            cur["msgstrs"][key] = _unquote(rest)
    flush()
    # The header (msgid "") is metadata, not a message.
    return [e for e in entries if e["msgid"] != ""]


def main(argv: list[str]) -> int:
    verbose = "-v" in argv
    files = [Path(a) for a in argv if a != "-v"]
    if not files:
        files = sorted(Path(__file__).resolve().parent.glob("*/LC_MESSAGES/*.po"))
    grand = 0
    for path in files:
        try:
            entries = parse(path)
        except OSError as exc:
            print(f"{path}: cannot read ({exc})")
            continue
        untranslated = [e for e in entries if not e["msgstrs"] or any(v == "" for v in e["msgstrs"].values())]
        fuzzy = [e for e in entries if e["fuzzy"] and e not in untranslated]
        grand += len(untranslated)
        print(f"{path}: {len(untranslated)} untranslated, {len(fuzzy)} fuzzy, {len(entries)} entries")
        if verbose:
            for e in untranslated:
                print(f"  untranslated: {e['msgid']!r}")
            for e in fuzzy:
                print(f"  fuzzy: {e['msgid']!r}")
    if len(files) > 1:
        print(f"total untranslated: {grand}")
    return 0


if __name__ == "__main__":
    try:
        main(sys.argv[1:])
    except BrokenPipeError:
        pass
    except Exception as exc:  # informational tool: never fail the build
        print(f"translate_check: {exc}", file=sys.stderr)
    sys.exit(0)
