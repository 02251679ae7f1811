"""The outgoing register printed with every ND30 column (Phụ lục IV): XLSX, DOCX and PDF."""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping, Sequence

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

from templates_docs.models import RegisterEntry
from templates_docs.spreadsheets import append_row

# (heading, width in mm for the printed register, width in characters for XLSX)
COLUMNS = [
    ("Số, ký hiệu văn bản", 32, 16),
    ("Ngày tháng văn bản", 20, 12),
    ("Tên loại và trích yếu nội dung văn bản", 62, 48),
    ("Người ký", 26, 20),
    ("Nơi nhận văn bản", 42, 36),
    ("Đơn vị, người nhận bản lưu", 20, 16),
    ("Số lượng bản", 12, 8),
    ("Ngày chuyển", 16, 12),
    ("Ký nhận", 16, 12),
    ("Ghi chú", 16, 16),
]  # printed widths add up to the 262 mm of an A4 landscape page inside its margins


def _row(entry: RegisterEntry) -> list[str | int]:
    return [
        entry.code,
        entry.issued_date.strftime("%d/%m/%Y"),
        entry.type_and_subject,
        entry.signer_name,
        "; ".join(entry.recipients),
        entry.archive_holder,
        entry.copies,
        entry.transferred_on.strftime("%d/%m/%Y") if entry.transferred_on else "",
        entry.received_by,
        entry.note,
    ]


def _title(*, year: int | None, type_name: str | None) -> str:
    title = "SỔ ĐĂNG KÝ VĂN BẢN ĐI"
    if type_name:
        title += f" — {type_name.upper()}"
    if year:
        title += f" NĂM {year}"
    return title


def register_workbook(
    *, sheet_title: str, title: str, columns: Sequence[tuple[str, float, int]], rows: Iterable[Sequence]
) -> bytes:
    """A register as ND30 prints it, as XLSX: the title over the columns, the headings, their numbers, one row a
    document, every cell bordered in Times New Roman; landscape A4 with the headings repeated on each page."""
    book = Workbook()
    sheet = book.active
    sheet.title = sheet_title
    append_row(sheet, [title])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(columns))
    sheet["A1"].font = Font(name="Times New Roman", bold=True, size=14)
    sheet["A1"].alignment = Alignment(horizontal="center")
    append_row(sheet, [heading for heading, _mm, _chars in columns])
    append_row(sheet, list(range(1, len(columns) + 1)))
    thin = Side(style="thin")
    for cell in sheet[2] + sheet[3]:
        cell.font = Font(name="Times New Roman", bold=True, size=11)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = Border(top=thin, bottom=thin, left=thin, right=thin)
    for values in rows:
        for cell in append_row(sheet, values):
            cell.font = Font(name="Times New Roman", size=11)
            cell.alignment = Alignment(vertical="top", wrap_text=True)
            cell.border = Border(top=thin, bottom=thin, left=thin, right=thin)
    for index, (_heading, _mm, chars) in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = chars
    sheet.freeze_panes = "A4"
    sheet.print_title_rows = "2:3"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def register_xlsx(entries: Iterable[RegisterEntry], *, year: int | None, type_name: str | None) -> bytes:
    return register_workbook(
        sheet_title=f"Văn bản đi {year}" if year else "Văn bản đi",
        title=_title(year=year, type_name=type_name),
        columns=COLUMNS,
        rows=(_row(entry) for entry in entries),
    )


def _cell_text(cell, text: str, *, bold: bool = False, size: float = 11, center: bool = False) -> None:
    paragraph = cell.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER if center else WD_ALIGN_PARAGRAPH.LEFT
    run = paragraph.add_run(text)
    run.font.name = "Times New Roman"
    run.font.size = Pt(size)
    run.font.bold = bold


def _repeat_header(row) -> None:
    row._tr.get_or_add_trPr().append(OxmlElement("w:tblHeader"))


def register_docx(
    entries: Iterable[RegisterEntry], *, organisation: Mapping, year: int | None, type_name: str | None
) -> bytes:
    """A printable A4 landscape register: agency name, title, then the ten ND30 columns (header repeated)."""
    document = Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Mm(297), Mm(210)
    section.top_margin = section.bottom_margin = Mm(15)
    section.left_margin, section.right_margin = Mm(20), Mm(15)
    normal = document.styles["Normal"]
    normal.font.name = "Times New Roman"
    normal.font.size = Pt(12)
    normal.element.get_or_add_rPr().find(qn("w:rFonts")).set(qn("w:eastAsia"), "Times New Roman")

    agency = document.paragraphs[0] if document.paragraphs else document.add_paragraph()
    run = agency.add_run(str(organisation.get("agency") or "").upper())
    run.font.bold = True
    title = document.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = title.add_run(_title(year=year, type_name=type_name))
    run.font.bold = True
    run.font.size = Pt(14)

    rows = list(entries)
    table = document.add_table(rows=2, cols=len(COLUMNS))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    for index, (heading, mm, _chars) in enumerate(COLUMNS):
        _cell_text(table.rows[0].cells[index], heading, bold=True, center=True)
        _cell_text(table.rows[1].cells[index], str(index + 1), bold=True, size=10, center=True)
        table.columns[index].width = Mm(mm)  # LibreOffice lays out by the grid, Word by the cells
        for row in table.rows:
            row.cells[index].width = Mm(mm)
    _repeat_header(table.rows[0])
    _repeat_header(table.rows[1])
    for entry in rows:
        cells = table.add_row().cells
        for index, value in enumerate(_row(entry)):
            _cell_text(cells[index], str(value), center=index in (1, 6, 7))
            cells[index].width = Mm(COLUMNS[index][1])
    if not rows:
        note = document.add_paragraph("(Chưa có văn bản nào được đăng ký.)")
        note.alignment = WD_ALIGN_PARAGRAPH.CENTER
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
