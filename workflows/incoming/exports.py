"""The sổ đăng ký văn bản đến (ND30 Phụ lục IV, 10 columns) as XLSX and as a DOCX the PDF is converted from."""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping

from django.utils import timezone
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.shared import Mm, Pt
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

from templates_docs.spreadsheets import append_row

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
    book = Workbook()
    sheet = book.active
    sheet.title = f"Văn bản đến {year}" if year else "Văn bản đến"
    append_row(sheet, [title(year=year)])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(COLUMNS))
    sheet["A1"].font = Font(name="Times New Roman", bold=True, size=14)
    sheet["A1"].alignment = Alignment(horizontal="center")
    append_row(sheet, [heading for heading, _mm, _chars in COLUMNS])
    append_row(sheet, [str(i) for i in range(1, len(COLUMNS) + 1)])
    thin = Side(style="thin")
    for cell in sheet[2] + sheet[3]:
        cell.font = Font(name="Times New Roman", bold=True, size=11)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = Border(top=thin, bottom=thin, left=thin, right=thin)
    for document in documents:
        for cell in append_row(sheet, row(document)):
            cell.font = Font(name="Times New Roman", size=11)
            cell.alignment = Alignment(vertical="top", wrap_text=True)
            cell.border = Border(top=thin, bottom=thin, left=thin, right=thin)
    for index, (_heading, _mm, chars) in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = chars
    sheet.freeze_panes = "A4"
    sheet.print_title_rows = "2:3"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


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
