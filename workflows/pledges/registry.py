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
from places.conversion import AMBIGUOUS, MATCHED, Conversion, convert_old_address, new_address, ward_from_address
from places.errors import UnknownCommune
from places.models import Commune
from places.services import find_commune, home_province
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
    ("commune", "Xã/phường", ("xã, phường", "xã/phường", "xã", "phường", "đặc khu", "mã xã", "commune", "ward")),
    ("representative", "Người đại diện", ("người đại diện", "representative")),
    ("representative_title", "Chức vụ", ("chức vụ", "representative_title", "title")),
    ("email", "Thư điện tử", ("thư điện tử", "email", "e-mail")),
    ("phone", "Điện thoại", ("điện thoại", "phone", "số điện thoại")),
)
FIELDS = tuple(c[0] for c in COLUMNS)
# Read, never exported: a file from before 1 July 2025 names the district; its rows are converted to the commune.
OLD_COLUMNS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("former_district", "Huyện/thành phố", ("huyện/thành phố", "huyện", "quận/huyện", "huyện cũ", "district")),
)
HISTORY_FIELDS = ("former_district", "former_address")
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
    status: str = "new"  # new | changed | unchanged | invalid | ambiguous (an old address staff must place)
    errors: list[str] = field(default_factory=list)
    changes: dict[str, tuple[str, str]] = field(default_factory=dict)
    carrier_id: int | None = None
    commune: Commune | None = None
    conversion: Conversion | None = None

    def values(self) -> dict[str, Any]:
        """The row as model field values: the commune is the unit itself, not its name."""
        return {**{f: v for f, v in self.data.items() if f != "commune"}, "commune": self.commune}


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
    def unchanged(self) -> list[ImportRow]:
        return [r for r in self.rows if r.status == "unchanged"]

    @property
    def invalid(self) -> list[ImportRow]:
        return [r for r in self.rows if r.status == "invalid"]

    @property
    def ambiguous(self) -> list[ImportRow]:
        return [r for r in self.rows if r.status == "ambiguous"]

    @property
    def converted(self) -> list[ImportRow]:
        """Rows whose old address was converted (or placed by a choice): shown old → new in the preview."""
        return [r for r in self.rows if r.conversion is not None and r.commune is not None]

    @property
    def can_apply(self) -> bool:
        return not self.invalid and bool(self.new or self.changed or self.ambiguous)


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
    for field_name, _label, aliases in COLUMNS + OLD_COLUMNS:
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


def field_value(carrier: Carrier, field_name: str) -> str:
    if field_name == "commune":
        return carrier.commune.name if carrier.commune else ""
    return getattr(carrier, field_name) or ""


def _convert_old_address(row: ImportRow, province, choice: str) -> None:
    """A row naming its old district: the commune it became, the old address kept, the new one written."""
    d = row.data
    ward = d.get("commune") or ward_from_address(d.get("address", ""))
    row.conversion = conversion = convert_old_address(district=d["former_district"], ward=ward, province=province)
    if conversion.status == MATCHED:
        row.commune = conversion.commune
    elif conversion.status == AMBIGUOUS:
        chosen = [c for c in conversion.candidates if c.code == choice]
        if choice and not chosen:
            row.errors.append(_("Xã, phường đã chọn không thuộc các xã, phường của địa chỉ cũ."))
        row.commune = chosen[0] if chosen else None
    else:
        row.errors.append(
            _(
                "Không chuyển được địa chỉ cũ «%(old)s» sang xã, phường mới: ghi xã, phường mới vào cột Xã/phường "
                "và bỏ trống cột huyện."
            )
            % {"old": conversion.old_label}
        )
    if row.commune is not None:
        d["former_address"] = d.get("address", "") or conversion.old_label
        d["address"] = new_address(address=d.get("address", ""), district=d["former_district"], commune=row.commune)
        d["commune"] = row.commune.name


def _check_commune(row: ImportRow, province, choice: str = "") -> None:
    d = row.data
    if d.get("former_district"):
        _convert_old_address(row, province, choice)
        return
    d.pop("former_district", None)
    if not d.get("commune"):
        row.errors.append(_("Thiếu xã, phường."))
        return
    try:
        row.commune = find_commune(text=d["commune"], province=province)
    except UnknownCommune as exc:
        row.errors.append(exc.message)
        return
    d["commune"] = row.commune.name


def _check(row: ImportRow, province, choice: str = "") -> None:
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
    _check_commune(row, province, choice)
    for field_name in FIELDS + HISTORY_FIELDS:
        if field_name == "commune":
            continue
        max_length = Carrier._meta.get_field(field_name).max_length
        if max_length and len(d.get(field_name, "")) > max_length:
            row.errors.append(_("Cột %(col)s dài quá %(n)d ký tự.") % {"col": field_name, "n": max_length})


def _identity(d: dict[str, str]) -> tuple[str, str, str]:
    return (d.get("tax_code", ""), d.get("licence_number", ""), d.get("name", "").casefold())


def preview_import(*, data: bytes, filename: str, choices: dict[int, str] | None = None) -> ImportPreview:
    """Check every row and compare it with the registry. Writes nothing.

    `choices` places ambiguous old addresses: file line → the code of the commune staff chose among the candidates.
    """
    choices = choices or {}
    rows = parse_rows(data, filename)
    existing = {(c.tax_code, c.licence_number, c.name.casefold()): c for c in Carrier.objects.select_related("commune")}
    province = home_province()
    seen: dict[tuple[str, str, str], int] = {}
    for row in rows:
        _check(row, province, choices.get(row.line, ""))
        key = _identity(row.data)
        if key in seen:
            row.errors.append(_("Trùng với dòng %(line)d (cùng tên, mã số thuế, số giấy phép).") % {"line": seen[key]})
        seen.setdefault(key, row.line)
        if row.errors:
            row.status = "invalid"
            continue
        if row.commune is None:
            row.status = "ambiguous"
            continue
        carrier = existing.get(key)
        if carrier is None:
            row.status = "new"
            continue
        row.carrier_id = carrier.pk
        for field_name in FIELDS + HISTORY_FIELDS:
            if field_name not in row.data:
                continue
            old, new = field_value(carrier, field_name), row.data[field_name]
            if old != new:
                row.changes[field_name] = (old, new)
        row.status = "changed" if row.changes else "unchanged"
    return ImportPreview(rows=rows)


def export_rows() -> list[list[Any]]:
    rows: list[list[Any]] = [[label for _f, label, _a in COLUMNS]]
    carriers = Carrier.objects.filter(is_active=True).select_related("commune").order_by("commune__name", "name")
    for carrier in carriers:
        rows.append([carrier.get_kind_display() if f == "kind" else field_value(carrier, f) for f in FIELDS])
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
