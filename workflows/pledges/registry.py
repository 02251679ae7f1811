"""The carriers registry as a spreadsheet: read CSV/XLSX into checked rows, compare with the database, export.

Reading never writes: `preview_import` says which rows are new, changed, unchanged or invalid (with reasons);
`services.apply_import` writes them all in one transaction, or nothing.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from core.text import fold
from core.uploads import UploadRefused, ZipLimitExceeded, ZipLimits, open_zip
from templates_docs.spreadsheets import append_row, csv_bytes, is_risky
from workflows.pledges.errors import RegistryFileError
from workflows.pledges.models import Carrier

# (field, header printed on export, accepted header spellings: compared folded, so "Dia chi" is "Địa chỉ")
COLUMNS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("name", "Tên", ("tên", "name", "tên đơn vị")),
    ("kind", "Loại", ("loại", "kind", "type")),
    ("tax_code", "Mã số thuế", ("mã số thuế", "mst", "tax_code", "tax code")),
    ("licence_number", "Số giấy phép bưu chính", ("số giấy phép bưu chính", "số giấy phép", "licence_number")),
    ("address", "Địa chỉ", ("địa chỉ", "address")),
    ("district", "Huyện/thành phố", ("huyện/thành phố", "huyện", "district")),
    ("representative", "Người đại diện", ("người đại diện", "representative")),
    ("representative_title", "Chức vụ", ("chức vụ", "representative_title", "title")),
    ("email", "Thư điện tử", ("thư điện tử", "email", "e-mail")),
    ("phone", "Điện thoại", ("điện thoại", "phone", "số điện thoại")),
)
FIELDS = tuple(c[0] for c in COLUMNS)
MAX_ROWS = 20_000
MAX_COLUMNS = 60
MAX_FILE_BYTES = 5 * 1024 * 1024
# An XLSX is a zip: its sheets may inflate to far more than the file; refuse before openpyxl parses anything.
XLSX_LIMITS = ZipLimits(max_members=500, max_member_bytes=48 * 1024 * 1024, max_total_bytes=64 * 1024 * 1024)
_TAX_CODE = re.compile(r"^\d{10}(-\d{3})?$")


@dataclass
class ImportRow:
    line: int
    data: dict[str, str]
    status: str = "new"  # new | changed | unchanged | invalid
    errors: list[str] = field(default_factory=list)
    changes: dict[str, tuple[str, str]] = field(default_factory=dict)
    carrier_id: int | None = None


@dataclass
class ImportPreview:
    rows: list[ImportRow]

    def count(self, status: str) -> int:
        return sum(1 for r in self.rows if r.status == status)

    @property
    def new(self) -> list[ImportRow]:
        return [r for r in self.rows if r.status == "new"]

    @property
    def changed(self) -> list[ImportRow]:
        return [r for r in self.rows if r.status == "changed"]

    @property
    def invalid(self) -> list[ImportRow]:
        return [r for r in self.rows if r.status == "invalid"]

    @property
    def can_apply(self) -> bool:
        return not self.invalid and bool(self.new or self.changed)


def _folded(text: str) -> str:
    return " ".join(fold(text).split())


def _kind_value(raw: str) -> str | None:
    wanted = _folded(raw)
    for value, label in Carrier.Kind.choices:
        if wanted in (value, _folded(str(label))):
            return value
    return None


def _unquoted(cell: str) -> str:
    """Our own CSV export protects a formula-like value with a leading apostrophe; reading it back removes it."""
    return cell[1:] if cell.startswith("'") and is_risky(cell[1:]) else cell


def _read_table(data: bytes, filename: str) -> list[list[str]]:
    """At most MAX_ROWS data rows past the header (and a few blank lines), MAX_COLUMNS cells each: reading stops
    there, so a file padded with rows or columns costs no more than a full one."""
    if len(data) > MAX_FILE_BYTES:
        raise RegistryFileError(_("Tệp quá lớn (tối đa %(mb)d MB).") % {"mb": MAX_FILE_BYTES // (1024 * 1024)})
    name = filename.lower()
    enough = MAX_ROWS + 50
    if name.endswith(".xlsx"):
        from openpyxl import load_workbook

        try:
            open_zip(data, limits=XLSX_LIMITS).close()
        except ZipLimitExceeded as exc:
            raise RegistryFileError(exc.message, detail=f"XLSX: {exc.detail}") from exc
        except UploadRefused as exc:
            raise RegistryFileError(_("Không đọc được tệp XLSX: %(error)s") % {"error": exc.detail}) from exc
        try:
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            sheet = workbook.worksheets[0]
            rows = [
                ["" if v is None else str(v).strip() for v in row]
                for row in islice(sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS), enough)
            ]
        except Exception as exc:  # openpyxl raises many types on a broken file
            raise RegistryFileError(_("Không đọc được tệp XLSX: %(error)s") % {"error": exc}) from exc
        workbook.close()
        return rows
    if name.endswith(".csv"):
        for encoding in ("utf-8-sig", "cp1258"):
            try:
                text = data.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise RegistryFileError(_("Tệp CSV phải dùng bảng mã UTF-8."))
        try:
            dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
        except csv.Error:
            dialect = csv.excel
        reader = csv.reader(io.StringIO(text), dialect)
        try:
            return [[_unquoted(cell.strip()) for cell in row[:MAX_COLUMNS]] for row in islice(reader, enough)]
        except csv.Error as exc:
            raise RegistryFileError(_("Không đọc được tệp CSV: %(error)s") % {"error": exc}) from exc
    raise RegistryFileError(_("Chỉ nhận tệp .csv hoặc .xlsx."))


def parse_rows(data: bytes, filename: str) -> list[ImportRow]:
    table = list(_read_table(data, filename))
    while table and not any(table[0]):
        table.pop(0)
    if not table:
        raise RegistryFileError(_("Tệp không có dữ liệu."))
    header = [_folded(h) for h in table[0]]
    positions: dict[str, int] = {}
    for field_name, _label, aliases in COLUMNS:
        for index, title in enumerate(header):
            if title in {_folded(a) for a in aliases}:
                positions[field_name] = index
                break
    missing = [label for field_name, label, _a in COLUMNS if field_name not in positions and field_name in ("name",)]
    if missing:
        raise RegistryFileError(
            _("Thiếu cột bắt buộc: %(columns)s. Dòng đầu tiên phải là tên cột.") % {"columns": ", ".join(missing)}
        )
    if len(table) - 1 > MAX_ROWS:
        raise RegistryFileError(_("Tệp có quá %(n)d dòng.") % {"n": MAX_ROWS})
    rows = []
    for offset, raw in enumerate(table[1:], start=2):
        if not any(raw):
            continue
        data_row = {f: (raw[i] if i < len(raw) else "").strip() for f, i in positions.items()}
        rows.append(ImportRow(line=offset, data=data_row))
    return rows


def _check(row: ImportRow) -> None:
    d = row.data
    if not d.get("name"):
        row.errors.append(_("Thiếu tên."))
    kind = _kind_value(d.get("kind", "")) if d.get("kind") else Carrier.Kind.ENTERPRISE.value
    if kind is None:
        row.errors.append(
            _("Loại «%(kind)s» không hợp lệ (Doanh nghiệp bưu chính, Bưu cục, Điểm phục vụ bưu chính).")
            % {"kind": d.get("kind")}
        )
    else:
        d["kind"] = kind
    if d.get("tax_code") and not _TAX_CODE.match(d["tax_code"]):
        row.errors.append(_("Mã số thuế «%(mst)s» phải có 10 chữ số (hoặc 10-3 chữ số).") % {"mst": d["tax_code"]})
    if not d.get("email"):
        row.errors.append(_("Thiếu thư điện tử (cần để gửi lời mời ký)."))
    else:
        try:
            validate_email(d["email"])
        except ValidationError:
            row.errors.append(_("Thư điện tử «%(email)s» không hợp lệ.") % {"email": d["email"]})
    if not d.get("district"):
        row.errors.append(_("Thiếu huyện/thành phố."))
    for field_name in FIELDS:
        max_length = Carrier._meta.get_field(field_name).max_length
        if max_length and len(d.get(field_name, "")) > max_length:
            row.errors.append(_("Cột %(col)s dài quá %(n)d ký tự.") % {"col": field_name, "n": max_length})


def _identity(d: dict[str, str]) -> tuple[str, str, str]:
    return (d.get("tax_code", ""), d.get("licence_number", ""), d.get("name", "").casefold())


def preview_import(*, data: bytes, filename: str) -> ImportPreview:
    """Check every row and compare it with the registry. Writes nothing."""
    rows = parse_rows(data, filename)
    existing = {(c.tax_code, c.licence_number, c.name.casefold()): c for c in Carrier.objects.all().only(*FIELDS, "id")}
    seen: dict[tuple[str, str, str], int] = {}
    for row in rows:
        _check(row)
        key = _identity(row.data)
        if key in seen:
            row.errors.append(_("Trùng với dòng %(line)d (cùng tên, mã số thuế, số giấy phép).") % {"line": seen[key]})
        seen.setdefault(key, row.line)
        if row.errors:
            row.status = "invalid"
            continue
        carrier = existing.get(key)
        if carrier is None:
            row.status = "new"
            continue
        row.carrier_id = carrier.pk
        for field_name in FIELDS:
            if field_name not in row.data:
                continue
            old, new = getattr(carrier, field_name) or "", row.data[field_name]
            if old != new:
                row.changes[field_name] = (old, new)
        row.status = "changed" if row.changes else "unchanged"
    return ImportPreview(rows=rows)


def export_rows() -> list[list[Any]]:
    rows: list[list[Any]] = [[label for _f, label, _a in COLUMNS]]
    for carrier in Carrier.objects.filter(is_active=True).order_by("district", "name"):
        rows.append([carrier.get_kind_display() if f == "kind" else getattr(carrier, f) for f in FIELDS])
    return rows


def export_xlsx() -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Danh sách"
    for row in export_rows():
        append_row(sheet, [str(v) for v in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def export_csv() -> bytes:
    return csv_bytes(export_rows())
