"""The two registers of incoming documents (ND30 Phụ lục IV) as XLSX and as a DOCX the PDF is converted from:
the sổ đăng ký văn bản đến (10 columns) and the sổ theo dõi giải quyết văn bản đến (7 columns)."""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping

from django.utils import timezone
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.shared import Mm, Pt

from templates_docs.exports import register_workbook

from .models import IncomingDocument

# (heading, width in mm printed, width in characters in XLSX); the printed widths fill an A4 landscape page.
COLUMNS = [
    ("Ngày đến", 22, 12),
    ("Số đến", 13, 8),
    ("Tác giả", 33, 28),
    ("Số, ký hiệu", 28, 16),
    ("Ngày tháng", 22, 12),
    ("Tên loại và trích yếu nội dung", 56, 48),
    ("Đơn vị hoặc người nhận", 30, 20),
    ("Ngày chuyển", 22, 12),
    ("Ký nhận", 16, 12),
    ("Ghi chú", 20, 16),
]  # 262 mm: an A4 landscape page inside 15 mm margins (10 pt in the table)


def row(document: IncomingDocument) -> list[str]:
    subject = f"{document.doc_type} {document.subject}".strip() if document.doc_type else document.subject
    return [
        timezone.localtime(document.received_at).strftime("%d/%m/%Y"),
        document.display_number,
        document.issuer_name,
        document.code,
        document.issued_date.strftime("%d/%m/%Y") if document.issued_date else "",
        subject,
        document.routed_to,
        document.routed_on.strftime("%d/%m/%Y") if document.routed_on else "",
        document.received_by,
        document.note,
    ]


def title(*, year: int | None) -> str:
    return f"SỔ ĐĂNG KÝ VĂN BẢN ĐẾN NĂM {year}" if year else "SỔ ĐĂNG KÝ VĂN BẢN ĐẾN"


def register_xlsx(documents: Iterable[IncomingDocument], *, year: int | None) -> bytes:
    return register_workbook(
        sheet_title=f"Văn bản đến {year}" if year else "Văn bản đến",
        title=title(year=year),
        columns=COLUMNS,
        rows=(row(document) for document in documents),
    )


def register_docx(documents: Iterable[IncomingDocument], *, organisation: Mapping, year: int | None) -> bytes:
    return book_docx(
        columns=COLUMNS, rows=(row(d) for d in documents), title=title(year=year), organisation=organisation
    )


# --- sổ theo dõi giải quyết văn bản đến --------------------------------------------------------------------------

TRACKING_COLUMNS = [
    ("Số đến", 14, 8),
    ("Tên loại, số, ký hiệu, ngày tháng văn bản, cơ quan ban hành", 66, 44),
    ("Đơn vị hoặc người nhận", 40, 24),
    ("Thời hạn giải quyết", 26, 14),
    ("Tiến độ giải quyết", 56, 36),
    ("Số, ký hiệu văn bản trả lời", 34, 20),
    ("Ghi chú", 26, 16),
]  # 262 mm


def tracking_row(document: IncomingDocument) -> list[str]:
    """One line: who has it (unit in charge and handler), the deadline, where it stands, the replies' numbers."""
    described = ", ".join(
        part
        for part in (
            " ".join(p for p in (document.doc_type, f"số {document.code}" if document.code else "") if p),
            f"ngày {document.issued_date.strftime('%d/%m/%Y')}" if document.issued_date else "",
            document.issuer_name,
        )
        if part
    )
    process = getattr(document, "process", None)
    handler = process.handler if process is not None else None
    receiver = "; ".join(
        p for p in (document.routed_to, (handler.get_full_name() or handler.get_username()) if handler else "") if p
    )
    progress = document.get_status_display()
    if process is not None and process.resolution:
        progress += f": {process.resolution}"
    replies = ", ".join(r.number or "Dự thảo" for r in document.replies.all())
    return [
        document.display_number,
        described,
        receiver,
        document.deadline.strftime("%d/%m/%Y") if document.deadline else "",
        progress,
        replies,
        document.note,
    ]


def tracking_title(*, year: int | None) -> str:
    return f"SỔ THEO DÕI GIẢI QUYẾT VĂN BẢN ĐẾN NĂM {year}" if year else "SỔ THEO DÕI GIẢI QUYẾT VĂN BẢN ĐẾN"


def tracking_xlsx(documents: Iterable[IncomingDocument], *, year: int | None) -> bytes:
    return register_workbook(
        sheet_title=f"Theo dõi {year}" if year else "Theo dõi",
        title=tracking_title(year=year),
        columns=TRACKING_COLUMNS,
        rows=(tracking_row(document) for document in documents),
    )


def tracking_docx(documents: Iterable[IncomingDocument], *, organisation: Mapping, year: int | None) -> bytes:
    return book_docx(
        columns=TRACKING_COLUMNS,
        rows=(tracking_row(d) for d in documents),
        title=tracking_title(year=year),
        organisation=organisation,
    )


def book_docx(
    *, columns: list[tuple[str, int, int]], rows: Iterable[list[str]], title: str, organisation: Mapping
) -> bytes:
    """A register as an A4 landscape table: the headings, their numbers (1, 2 …), then one row per document."""
    doc = Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Mm(297), Mm(210)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Mm(15))
    style = doc.styles["Normal"]
    style.font.name, style.font.size = "Times New Roman", Pt(11)
    doc.add_paragraph(str(organisation.get("agency") or "").upper()).runs[0].bold = True
    heading = doc.add_paragraph()
    heading.add_run(title).bold = True
    table = doc.add_table(rows=2, cols=len(columns))
    table.style = "Table Grid"
    table.autofit = False
    for index, (_text, mm, _chars) in enumerate(columns):
        table.columns[index].width = Mm(mm)  # the grid LibreOffice lays the columns out by
    for index, (text, mm, _chars) in enumerate(columns):
        table.rows[0].cells[index].text = text
        table.rows[1].cells[index].text = str(index + 1)
        for r in table.rows[:2]:
            r.cells[index].width = Mm(mm)
            r.cells[index].paragraphs[0].runs[0].bold = True
    for values in rows:
        cells = table.add_row().cells
        for index, value in enumerate(values):
            cells[index].text = value
            for run in cells[index].paragraphs[0].runs:
                run.font.size = Pt(10)
            cells[index].width = Mm(columns[index][1])
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
