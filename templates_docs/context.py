"""From the caller's data (the documented schema) to the values a DOCX template prints.

Pure functions: no Django, no I/O. Every rule of ND30 about how a number, a date, a list or a signature block is
written lives here, so a template only places values.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from docxtpl import RichText

from templates_docs.builder import agency_rule_indent
from templates_docs.doctypes import DocumentType, get_type
from templates_docs.errors import TemplateDataError

__all__ = [
    "AUTHORITY_PREFIXES",
    "PLACEHOLDERS",
    "URGENCY",
    "DocumentData",
    "build_context",
    "date_line",
    "format_code",
    "format_number",
    "parse_data",
]

AUTHORITY_PREFIXES = ("", "KT.", "TL.", "TM.", "Q.", "TUQ.")
URGENCY = {"": "", "khan": "KHẨN", "thuong-khan": "THƯỢNG KHẨN", "hoa-toc": "HỎA TỐC"}
# ND30 Phụ lục VI "Priority": 0 thường, 1 khẩn, 2 thượng khẩn, 3 hỏa tốc.
URGENCY_PRIORITY = {"": 0, "khan": 1, "thuong-khan": 2, "hoa-toc": 3}

# Every name a DOCX template may use. An uploaded template naming anything else is refused.
PLACEHOLDERS: dict[str, str] = {
    "parent_agency": "Cơ quan chủ quản, in hoa (UBND TỈNH LẠNG SƠN)",
    "agency": "Cơ quan ban hành, in hoa",
    "agency_abbreviation": "Chữ viết tắt cơ quan (STTTT)",
    "agency_rule_indent": "Thụt lề (twip) của đường kẻ dưới tên cơ quan",
    "place": "Địa danh",
    "number_text": "Số và ký hiệu sau 'Số: ' (05/STTTT-TTr; để trống số khi dự thảo)",
    "code": "Số và ký hiệu đầy đủ, rỗng khi chưa cấp số",
    "date_line": "Địa danh và ngày tháng năm",
    "type_name": "Tên loại văn bản (Chỉ thị)",
    "type_heading": "Tên loại in hoa (CHỈ THỊ)",
    "subject": "Trích yếu (công văn: 'V/v ...')",
    "issuing_authority": "Thẩm quyền ban hành quyết định (GIÁM ĐỐC SỞ ...)",
    "addressees": "Danh sách Kính gửi, đã có dấu ';' / '.'",
    "legal_bases": "Danh sách căn cứ, đã có dấu ';' / '.'",
    "body_paragraphs": "Các đoạn nội dung (trừ đoạn cuối), dùng {{r para }}",
    "body_last": "Đoạn nội dung cuối, dùng {{r body_last }}",
    "signer_lines": "Các dòng thẩm quyền và chức vụ người ký (KT. GIÁM ĐỐC / PHÓ GIÁM ĐỐC)",
    "signer_name": "Họ tên người ký",
    "recipients": "Danh sách nơi nhận, '- ...;' và dòng cuối '- Lưu: VT, ...'",
    "recipients_head": "Các nơi nhận đầu, in cạnh khối chữ ký",
    "recipients_tail": "Các nơi nhận còn lại (danh sách dài), in dưới khối chữ ký",
    "urgency_text": "Độ khẩn (KHẨN, THƯỢNG KHẨN, HỎA TỐC) hoặc rỗng",
    "draft": "Đúng khi là dự thảo (in dấu DỰ THẢO)",
    "verification_url": "Địa chỉ tra cứu văn bản, hoặc rỗng",
    "verification_qr": "Ảnh mã QR của địa chỉ tra cứu",
    "data": "Toàn bộ dữ liệu gốc (dict)",
    "organisation": "Toàn bộ thông tin cơ quan (dict)",
}

# As many 11 pt recipient lines as the signer block is tall: they share the row that never splits.
RECIPIENTS_BESIDE_SIGNATURE = 10
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_ARTICLE = re.compile(r"^(Điều\s+\d+[a-zđ]?\.)(\s*)(.*)$", re.DOTALL)
_INLINE = re.compile(r"(\*\*.+?\*\*|\*[^*\s][^*]*?\*)")
_BLANK_LINES = re.compile(r"\n\s*\n")


@dataclass(frozen=True)
class Signer:
    name: str
    title: str
    authority_prefix: str = ""
    authority_title: str = ""


@dataclass(frozen=True)
class DocumentData:
    """The validated data of one document (see docs/templates.md for the schema)."""

    subject: str
    body: str
    signer: Signer
    number: int | None = None
    issued_date: date | None = None
    drafting_unit: str = ""
    addressees: tuple[str, ...] = ()
    legal_bases: tuple[str, ...] = ()
    recipients: tuple[str, ...] = ()
    urgency: str = ""
    verification_url: str = ""
    extra: Mapping[str, Any] = field(default_factory=dict)


def _clean(value: str) -> str:
    return _XML_INVALID.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))


def _text(data: Mapping, name: str, *, required: bool = False, label: str | None = None) -> str:
    label = label or name
    value = data.get(name)
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise TemplateDataError(label, "must be text")
    value = _clean(value).strip()
    if required and not value:
        raise TemplateDataError(label, "is required")
    return value


def _text_list(data: Mapping, name: str) -> tuple[str, ...]:
    value = data.get(name) or []
    if isinstance(value, str):
        value = value.splitlines()
    if not isinstance(value, list | tuple):
        raise TemplateDataError(name, "must be a list of text")
    items = []
    for index, item in enumerate(value):
        if not isinstance(item, str):
            raise TemplateDataError(f"{name}[{index}]", "must be text")
        item = _clean(item).strip()
        if item:
            items.append(item)
    return tuple(items)


def parse_data(data: Mapping) -> DocumentData:
    """Validate `data` against the schema. Raises TemplateDataError naming the first field at fault."""
    if not isinstance(data, Mapping):
        raise TemplateDataError("data", "must be an object")
    subject = _text(data, "subject", required=True)
    body = _text(data, "body", required=True)
    number = data.get("number")
    if number is not None and (isinstance(number, bool) or not isinstance(number, int) or number < 1):
        raise TemplateDataError("number", "must be a positive integer or null")
    issued = data.get("issued_date")
    if isinstance(issued, date):
        issued_date = issued
    elif issued in (None, ""):
        issued_date = None
    elif isinstance(issued, str):
        try:
            issued_date = date.fromisoformat(issued)
        except ValueError:
            raise TemplateDataError("issued_date", "must be an ISO date (YYYY-MM-DD) or null") from None
    else:
        raise TemplateDataError("issued_date", "must be an ISO date (YYYY-MM-DD) or null")

    signer_data = data.get("signer")
    if not isinstance(signer_data, Mapping):
        raise TemplateDataError("signer", "is required (an object with name and title)")
    prefix = _text(signer_data, "authority_prefix", label="signer.authority_prefix")
    if prefix and not prefix.endswith("."):
        prefix += "."
    prefix = prefix.upper()
    if prefix not in AUTHORITY_PREFIXES:
        raise TemplateDataError("signer.authority_prefix", f"must be one of {', '.join(AUTHORITY_PREFIXES[1:])}")
    authority_title = _text(signer_data, "authority_title", label="signer.authority_title")
    if prefix and not authority_title:
        raise TemplateDataError("signer.authority_title", f"is required with {prefix}")
    signer = Signer(
        name=_text(signer_data, "name", required=True, label="signer.name"),
        title=_text(signer_data, "title", required=True, label="signer.title"),
        authority_prefix=prefix,
        authority_title=authority_title,
    )
    urgency = _text(data, "urgency")
    if urgency not in URGENCY:
        raise TemplateDataError("urgency", f"must be one of {', '.join(repr(k) for k in URGENCY)}")
    drafting_unit = _text(data, "drafting_unit")
    if drafting_unit and not re.fullmatch(r"[\wĐđ&.]+", drafting_unit):
        raise TemplateDataError("drafting_unit", "must be an abbreviation such as TTr (letters only)")
    known = {
        "number",
        "issued_date",
        "drafting_unit",
        "subject",
        "addressees",
        "legal_bases",
        "body",
        "signer",
        "recipients",
        "urgency",
        "verification_url",
    }
    return DocumentData(
        subject=subject,
        body=body,
        signer=signer,
        number=number,
        issued_date=issued_date,
        drafting_unit=drafting_unit,
        addressees=_text_list(data, "addressees"),
        legal_bases=_text_list(data, "legal_bases"),
        recipients=_text_list(data, "recipients"),
        urgency=urgency,
        verification_url=_text(data, "verification_url"),
        extra={k: v for k, v in data.items() if k not in known},
    )


def format_number(number: int) -> str:
    """ND30: numbers below 10 get a leading zero."""
    return f"{number:02d}"


def code_notation(*, doc_type: str, agency_abbreviation: str, drafting_unit: str = "") -> str:
    """The part after the slash: "CT-STTTT" for typed documents, "STTTT-TTr" for công văn."""
    kind = get_type(doc_type)
    if kind.abbreviation:
        return f"{kind.abbreviation}-{agency_abbreviation}"
    return f"{agency_abbreviation}-{drafting_unit}" if drafting_unit else agency_abbreviation


def format_code(*, doc_type: str, number: int | None, agency_abbreviation: str, drafting_unit: str = "") -> str:
    """ "05/STTTT-TTr", "28/CT-BTTTT"; with no number the draft form "    /STTTT-TTr"."""
    notation = code_notation(doc_type=doc_type, agency_abbreviation=agency_abbreviation, drafting_unit=drafting_unit)
    head = format_number(number) if number is not None else "\u00a0" * 6
    return f"{head}/{notation}"


def date_line(*, place: str, issued: date | None, today: date) -> str:
    """ "Lạng Sơn, ngày 05 tháng 01 năm 2026": day < 10 and months 1–2 take a leading zero; blanks if no date."""
    if issued is None:
        blank = "\u00a0" * 5
        return f"{place}, ngày{blank}tháng{blank}năm {today.year}"
    month = f"{issued.month:02d}" if issued.month <= 2 else str(issued.month)
    return f"{place}, ngày {issued.day:02d} tháng {month} năm {issued.year}"


def _punctuated(items: tuple[str, ...], *, dash: bool) -> list[str]:
    """Each item ends ";" and the last "." (ND30 lists of addressees, bases and recipients)."""
    out = []
    for index, item in enumerate(items):
        core = item.rstrip(" ;.,")
        if core.startswith("- "):
            core = core[2:]
        end = "." if index == len(items) - 1 else ";"
        out.append(f"- {core}{end}" if dash else f"{core}{end}")
    return out


def _rich(paragraph: str) -> RichText:
    rich = RichText()
    match = _ARTICLE.match(paragraph)
    if match:
        rich.add(match.group(1), bold=True)
        paragraph = match.group(2) + match.group(3)
    for piece in _INLINE.split(paragraph):
        if not piece:
            continue
        if piece.startswith("**") and piece.endswith("**") and len(piece) > 4:
            rich.add(piece[2:-2], bold=True)
        elif piece.startswith("*") and piece.endswith("*") and len(piece) > 2:
            rich.add(piece[1:-1], italic=True)
        else:
            rich.add(piece)
    return rich


def body_paragraphs(body: str) -> list[str]:
    """What is typed is what is printed: each line is a paragraph (a line starting "- " is a list item);
    blank lines only add air in the editor and print nothing."""
    return [line.strip() for line in body.splitlines() if line.strip()]


def signer_lines(signer: Signer) -> list[str]:
    if signer.authority_prefix:
        return [f"{signer.authority_prefix} {signer.authority_title}".upper(), signer.title.upper()]
    return [signer.title.upper()]


# "Lưu: VT, TTr" (or "Lưu VT, TTr"), not a recipient whose name starts with the word ("Lưu trữ lịch sử tỉnh")
_ARCHIVE = re.compile(r"^Lưu\s*(?::|(?=VT\b))\s*(.*)$", re.IGNORECASE | re.DOTALL)


def _recipient_core(item: str) -> str:
    core = item.strip()
    if core.startswith("-"):
        core = core[1:].strip()
    return core.rstrip(" ;.,")


def recipients_with_archive(recipients: tuple[str, ...], *, drafting_unit: str) -> tuple[str, ...]:
    """ND30's "Nơi nhận": each recipient once, in the order given, and one archive line last
    ("Lưu: VT, <drafting unit>"). Archive lines given anywhere in the list are merged into that one, keeping
    every holder they name, so a "Lưu: VT, BCVT." typed by the author is neither dropped nor printed twice."""
    items: dict[str, str] = {}  # casefolded -> as typed first
    holders: dict[str, str] = {}
    archived = False
    for item in recipients:
        core = _recipient_core(item)
        archive = _ARCHIVE.match(core)
        if archive:
            archived = True
            for holder in archive.group(1).split(","):
                if holder.strip():
                    holders.setdefault(holder.strip().casefold(), holder.strip())
        elif core:
            items.setdefault(core.casefold(), core)
    if not archived:
        holders = {h.casefold(): h for h in ("VT", drafting_unit) if h}
    return (*items.values(), f"Lưu: {', '.join(holders.values())}" if holders else "Lưu")


def build_context(
    *, doc_type: str, data: DocumentData, organisation: Mapping, draft: bool, today: date
) -> dict[str, Any]:
    """The template context (without the QR image, which needs the template object)."""
    kind: DocumentType = get_type(doc_type)
    agency = str(organisation.get("agency") or "").strip()
    abbreviation = str(organisation.get("abbreviation") or "").strip()
    place = str(organisation.get("place") or "").strip()
    if not agency:
        raise TemplateDataError("organisation.agency", "is required")
    if not abbreviation:
        raise TemplateDataError("organisation.abbreviation", "is required")
    if not place:
        raise TemplateDataError("organisation.place", "is required")
    if data.legal_bases and not kind.has_legal_bases:
        # Refused rather than dropped: the template of this type has no place for them.
        raise TemplateDataError("legal_bases", f"a {kind.name} has no legal bases (Căn cứ); remove them")
    number = None if draft else data.number
    paragraphs = [_rich(p) for p in body_paragraphs(data.body)]
    subject = data.subject
    if not kind.has_heading and not subject.startswith("V/v"):
        subject = f"V/v {subject}"
    authority_title = data.signer.authority_title or data.signer.title
    recipients = _punctuated(recipients_with_archive(data.recipients, drafting_unit=data.drafting_unit), dash=True)
    return {
        "parent_agency": _clean(str(organisation.get("parent_agency") or "")).strip().upper(),
        "agency": _clean(agency).upper(),
        "agency_abbreviation": abbreviation,
        "agency_rule_indent": agency_rule_indent(agency.upper()),
        "place": place,
        "number_text": format_code(
            doc_type=doc_type, number=number, agency_abbreviation=abbreviation, drafting_unit=data.drafting_unit
        ),
        "code": ""
        if number is None
        else format_code(
            doc_type=doc_type, number=number, agency_abbreviation=abbreviation, drafting_unit=data.drafting_unit
        ),
        "date_line": date_line(place=place, issued=None if draft else data.issued_date, today=today),
        "type_name": kind.name,
        "type_heading": kind.heading,
        "subject": subject,
        "issuing_authority": f"{authority_title} {agency}".upper(),
        "addressees": _punctuated(data.addressees, dash=len(data.addressees) > 1),
        "legal_bases": _punctuated(data.legal_bases, dash=False),
        "body_paragraphs": paragraphs[:-1],
        "body_last": paragraphs[-1],
        "signer_lines": signer_lines(data.signer),
        "signer_name": data.signer.name,
        "recipients": recipients,
        "recipients_head": recipients[:RECIPIENTS_BESIDE_SIGNATURE],
        "recipients_tail": recipients[RECIPIENTS_BESIDE_SIGNATURE:],
        "urgency_text": URGENCY[data.urgency],
        "draft": draft,
        "verification_url": data.verification_url,
        "verification_qr": "",
        "data": dict(data.extra),
        "organisation": dict(organisation),
    }
