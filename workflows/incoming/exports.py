"""The sổ đăng ký văn bản đến (ND30 Phụ lục IV, 10 columns) as XLSX and as a DOCX the PDF is converted from."""

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
    heading.add_run(title(year=year)).bold = True
    table = doc.add_table(rows=2, cols=len(COLUMNS))
    table.style = "Table Grid"
    table.autofit = False
    for index, (_text, mm, _chars) in enumerate(COLUMNS):
        table.columns[index].width = Mm(mm)  # the grid LibreOffice lays the columns out by
    for index, (text, mm, _chars) in enumerate(COLUMNS):
        table.rows[0].cells[index].text = text
        table.rows[1].cells[index].text = str(index + 1)
        for r in table.rows[:2]:
            r.cells[index].width = Mm(mm)
            r.cells[index].paragraphs[0].runs[0].bold = True
    for document in documents:
        cells = table.add_row().cells
        for index, value in enumerate(row(document)):
            cells[index].text = value
            for run in cells[index].paragraphs[0].runs:
                run.font.size = Pt(10)
            cells[index].width = Mm(COLUMNS[index][1])
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
