"""The one way every export writes a row (XLSX through openpyxl, CSV through the csv module): text stays text.

A value such as `=HYPERLINK("http://…"&A2,"…")` typed by a carrier or imported from a registry must never become
a live formula in the department's spreadsheet (CSV/formula injection, OWASP). In XLSX every string is written as
a string cell (never a formula), and one whose first character a spreadsheet would read as the start of a formula
also gets the quote prefix, so editing the cell does not turn it into one. In CSV such a value is prefixed with
an apostrophe, the form spreadsheet programs show as text.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

# What spreadsheet programs read as the start of a formula or a command, with their full-width forms.
FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")


def is_risky(value: str) -> bool:
    return value.startswith(FORMULA_LEADS)


def append_row(sheet, values: Sequence[Any]):
    """Append `values` to an openpyxl worksheet, every string as text; return the row's cells."""
    sheet.append(list(values))
    cells = sheet[sheet.max_row] if values else ()
    for cell in cells:
        if isinstance(cell.value, str):
            cell.data_type = "s"
            if is_risky(cell.value):
                cell.quotePrefix = True
    return cells


def csv_text(value: Any) -> Any:
    if isinstance(value, str) and is_risky(value):
        return "'" + value
    return value


def csv_bytes(rows: Iterable[Sequence[Any]]) -> bytes:
    """Rows as UTF-8 CSV with a byte-order mark (Excel reads Vietnamese right), every risky text neutralised."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerows([csv_text(v) for v in row] for row in rows)
    return buffer.getvalue().encode("utf-8-sig")
