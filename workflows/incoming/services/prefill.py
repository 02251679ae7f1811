"""Prefilling the registration of an uploaded PDF: who signed it (the project's validator's report: signer, their
organisation, the organisation's MST) and what its first page says in the ND30 layout (the issuing agency over
"Số: 28/CT-BTTTT", "Hà Nội, ngày 08 tháng 5 năm 2020", the type name and trích yếu or a công văn's "V/v ...",
an urgency mark). Only suggestions: the clerk confirms or corrects every field before registering.

The page is read through poppler's `pdftotext -bbox-layout`, whose blocks follow the layout's cells: the header's
left column, the number, the place and date, the heading with the subject under it, then the body.
"""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from defusedxml import ElementTree
from django.conf import settings
from django.utils.translation import gettext as _

from core.text import fold
from signing.explain import report_reason, signature_reason, verdict_label
from signing.validation import Indication, ValidationReport
from templates_docs.doctypes import Urgency

from ..errors import IncomingError
from ..models import Channel
from .ocr import IMAGE_TYPES, is_signed_pdf, make_searchable

__all__ = [
    "Prefill",
    "Signer",
    "agency_name",
    "prefill_from_pdf",
    "prefill_from_scan",
    "prefill_upload",
    "read_first_page",
    "type_from_code",
]

_XHTML = "{http://www.w3.org/1999/xhtml}"
_TIMEOUT = 30

# ND30 Phụ lục III: the type abbreviations of the số, ký hiệu (công văn has none).
TYPE_ABBREVIATIONS = {
    "NQ": "Nghị quyết",
    "QĐ": "Quyết định",
    "CT": "Chỉ thị",
    "QC": "Quy chế",
    "QyĐ": "Quy định",
    "TC": "Thông cáo",
    "TB": "Thông báo",
    "HD": "Hướng dẫn",
    "CTr": "Chương trình",
    "KH": "Kế hoạch",
    "PA": "Phương án",
    "ĐA": "Đề án",
    "DA": "Dự án",
    "BC": "Báo cáo",
    "BB": "Biên bản",
    "TTr": "Tờ trình",
    "HĐ": "Hợp đồng",
    "CĐ": "Công điện",
    "BGN": "Bản ghi nhớ",
    "BTT": "Bản thỏa thuận",
    "GUQ": "Giấy ủy quyền",
    "GM": "Giấy mời",
    "GGT": "Giấy giới thiệu",
    "GNP": "Giấy nghỉ phép",
    "PG": "Phiếu gửi",
    "PC": "Phiếu chuyển",
    "PB": "Phiếu báo",
    "SY": "Bản sao y",
    "SL": "Bản sao lục",
    "TrS": "Bản trích sao",
}
# the heading printed on the page ("CHỈ THỊ"), folded, for every type that prints one
_HEADINGS = {fold(name): name for name in [*TYPE_ABBREVIATIONS.values(), "Giấy chứng nhận", "Bản cam kết"]}
_URGENCY = {"khan": Urgency.URGENT, "thuong khan": Urgency.VERY_URGENT, "hoa toc": Urgency.EXPRESS}

_CODE = re.compile(r"Số\s*:\s*(\d+)?\s*[.…]*\s*/\s*([0-9A-Za-zĐđ][0-9A-Za-zĐđ.\-]*[0-9A-Za-zĐđ])")
_DATE = re.compile(r"ngày\s+(\d{1,2})\s+tháng\s+(\d{1,2})\s+năm\s+(\d{4})", re.IGNORECASE)
_MOTTO = ("cong hoa xa hoi chu nghia viet nam", "doc lap - tu do - hanh phuc", "doc lap tu do hanh phuc")
# words that begin the name of an agency or unit: a header line starting with one of them after another line is
# the agency itself, the lines above it its parent (cơ quan chủ quản)
_AGENCY_HEADS = (
    "bo ",
    "so ",
    "cuc ",
    "chi cuc ",
    "tong cuc ",
    "vu ",
    "ban ",
    "phong ",
    "van phong ",
    "thanh tra ",
    "trung tam ",
    "vien ",
    "truong ",
    "cong an ",
    "buu dien ",
    "uy ban ",
    "ubnd ",
    "hoi dong ",
    "doanh nghiep ",
    "cong ty ",
    "tap doan ",
)
_SUBJECT_ENDS = ("kinh gui", "can cu", "noi nhan")  # folded: the cells that follow a subject
_PLACE_WORDS = ("tỉnh", "thành phố", "huyện", "quận", "thị xã", "xã", "phường", "thị trấn")


@dataclass(frozen=True)
class Signer:
    name: str
    organisation: str
    tax_code: str  # MST from the certificate's UID ("MST:4900123456"), "" if none
    is_seal: bool  # the organisation's signature (its certificate names the organisation, or carries an MST)
    verdict: str  # in words
    reason: str


@dataclass
class Prefill:
    fields: dict[str, Any] = field(default_factory=dict)  # initial values of the registration form
    signers: list[Signer] = field(default_factory=list)
    indication: str = ""
    validation: dict[str, Any] = field(default_factory=dict)  # the validator's report, kept with the document
    warnings: list[str] = field(default_factory=list)


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


@dataclass(frozen=True)
class _Block:
    x0: float
    y0: float
    x1: float
    y1: float
    lines: list[str]

    @property
    def line_height(self) -> float:
        return (self.y1 - self.y0) / len(self.lines)


def _blocks(data: bytes) -> tuple[float, list[_Block]]:
    """Page 1's text blocks, top to bottom, and the page width; none for a page without text."""
    result = subprocess.run(
        ["pdftotext", "-f", "1", "-l", "1", "-bbox-layout", "-", "-"],
        input=data,
        capture_output=True,
        timeout=_TIMEOUT,
        check=False,
    )
    if result.returncode != 0:
        return 0.0, []
    root = ElementTree.fromstring(result.stdout)
    page = root.find(f".//{_XHTML}page")
    if page is None:
        return 0.0, []
    blocks = []
    for block in page.iter(f"{_XHTML}block"):
        lines = []
        for line in block.iter(f"{_XHTML}line"):
            words = [_nfc(w.text or "") for w in line.iter(f"{_XHTML}word")]
            if text := " ".join(w for w in words if w):
                lines.append(text)
        if lines:
            box = [float(block.get(k, 0)) for k in ("xMin", "yMin", "xMax", "yMax")]
            blocks.append(_Block(*box, lines=lines))
    blocks.sort(key=lambda b: (round(b.y0), b.x0))
    return float(page.get("width", 0)), blocks


def _paragraph(first: _Block, following: list[_Block], *, lines: list[str]) -> str:
    """`lines` and the lines of the blocks right under `first` (an OCR text layer makes a block of each line):
    a block belongs while the gap above it is under half a line and it is not the start of the next cell."""
    above, taken = first, list(lines)
    for block in following:
        if block.y0 - above.y1 > 0.5 * above.line_height or fold(block.lines[0]).startswith(_SUBJECT_ENDS):
            break
        taken += block.lines
        above = block
    return " ".join(" ".join(taken).split())


def type_from_code(code: str) -> str:
    """The document type a số, ký hiệu names ("28/CT-BTTTT" → "Chỉ thị"); "" for a công văn or unknown."""
    notation = code.split("/", 1)[-1]
    return TYPE_ABBREVIATIONS.get(notation.split("-", 1)[0], "")


def _place_suffix(parent: str) -> str:
    """ "UBND TỈNH LẠNG SƠN" → "tỉnh Lạng Sơn": the place of a local parent agency, as it follows a Sở's name."""
    words = parent.lower().split()
    for size in (2, 1):
        for i in range(len(words) - size + 1):
            if " ".join(words[i : i + size]) in _PLACE_WORDS and i + size < len(words):
                place = " ".join(w.capitalize() for w in words[i + size :])
                return f"{' '.join(words[i : i + size])} {place}"
    return ""


def agency_name(upper: str) -> str:
    """An agency's name as printed in capitals, in the case it is written in running text:
    "BỘ THÔNG TIN VÀ TRUYỀN THÔNG" → "Bộ Thông tin và Truyền thông", "UBND TỈNH LẠNG SƠN" → "Ủy ban nhân dân tỉnh
    Lạng Sơn", "CÔNG AN TỈNH LẠNG SƠN" → "Công an tỉnh Lạng Sơn". A name not in capitals is kept."""
    upper = " ".join(upper.split())
    if upper != upper.upper():
        return upper
    text = upper.lower().replace("ubnd", "ủy ban nhân dân")
    words = text.split()
    out: list[str] = []
    capitalise_next, in_place = True, False
    i = 0
    while i < len(words):
        word = words[i]
        pair = " ".join(words[i : i + 2])
        if not in_place and (pair in _PLACE_WORDS or word in _PLACE_WORDS) and out:
            size = 2 if pair in _PLACE_WORDS else 1
            out.extend(words[i : i + size])
            i += size
            in_place = True
            continue
        if in_place:
            out.append(word.capitalize())
        elif capitalise_next:
            out.append(word.capitalize())
        else:
            out.append(word)
        head = " ".join(out).lower()
        # the word after the head word(s) and after "và" or a comma starts a component: "Thông tin", "Truyền thông"
        capitalise_next = (
            word in ("bộ", "sở", "cục", "vụ", "ban", "phòng", "viện", "và")
            or head in ("tổng cục", "chi cục", "văn phòng", "trung tâm", "thanh tra")
            or word.endswith(",")
        )
        if head in ("ủy ban", "ủy ban nhân", "ủy ban nhân dân", "công an"):
            capitalise_next = False
        i += 1
    return " ".join(out)


def _is_motto(text: str) -> bool:
    folded = fold(text)
    return any(folded.startswith(m) for m in _MOTTO)


def read_first_page(data: bytes) -> dict[str, Any]:
    """What page 1 of the PDF says: issuer_name, code, issued_date, doc_type, subject, urgency (only those found).
    A PDF poppler cannot read in time, or whose layout it cannot give, says nothing."""
    try:
        width, blocks = _blocks(data)
    except (subprocess.TimeoutExpired, ElementTree.ParseError, OSError):
        return {}
    found: dict[str, Any] = {}
    if not blocks:
        return found
    texts = [" ".join(b.lines) for b in blocks]
    code_at = next((i for i, t in enumerate(texts) if _CODE.search(t)), None)
    if code_at is not None:
        match = _CODE.search(texts[code_at])
        if match and match.group(1):
            found["code"] = f"{match.group(1)}/{match.group(2)}"
        elif match:
            found["code_notation"] = match.group(2)
    for text in texts[: (code_at or 0) + 4]:
        if date := _DATE.search(text):
            try:
                found["issued_date"] = dt.date(int(date.group(3)), int(date.group(2)), int(date.group(1)))
            except ValueError:
                pass
            break

    # the header's left column above the number: the parent agency's line(s), then the agency's
    top = blocks[code_at].y0 if code_at is not None else blocks[0].y0 + 60
    header = [
        line
        for block in blocks
        if block.y0 < top and (not width or block.x1 <= width * 0.55)
        for line in block.lines
        if line == line.upper() and not _is_motto(line) and not _CODE.search(line)
    ]
    if header:
        split = next((i for i, line in enumerate(header) if i and fold(line).startswith(_AGENCY_HEADS)), None)
        parent, agency = (header[:split], header[split:]) if split else ([], header)
        name = agency_name(" ".join(agency))
        suffix = _place_suffix(" ".join(parent)) if parent else ""
        if suffix and fold(suffix) not in fold(name):
            name = f"{name} {suffix}"
        found["issuer_name"] = name

    # below the number: an urgency mark, the heading with the subject under it, or a công văn's "V/v ..."
    after = blocks[code_at + 1 :] if code_at is not None else blocks
    for index, block in enumerate(after[:8]):
        first = fold(block.lines[0]).strip()
        if first in _URGENCY and "urgency" not in found:
            found["urgency"] = _URGENCY[first]
        elif first in _HEADINGS:
            found["doc_type"] = _HEADINGS[first]
            if len(block.lines) > 1:
                subject = _paragraph(block, after[index + 1 :], lines=block.lines[1:])
            elif index + 1 < len(after):
                subject = _paragraph(after[index + 1], after[index + 2 :], lines=after[index + 1].lines)
            else:
                subject = ""
            if subject:
                found["subject"] = subject
            break
        elif first.startswith("v/v"):
            found["doc_type"] = "Công văn"
            found["subject"] = _paragraph(block, after[index + 1 :], lines=block.lines)
            break
    if "doc_type" not in found and found.get("code") and (named := type_from_code(found["code"])):
        found["doc_type"] = named
    return found


def _signers(report: ValidationReport) -> list[Signer]:
    signers = []
    for sig in report.signatures:
        uid = sig.signer_uid.strip()
        tax_code = uid.split(":", 1)[1].strip() if uid.upper().startswith("MST:") else ""
        is_seal = bool(tax_code) or (
            bool(sig.signer_organisation)
            and fold(sig.signer_common_name).split() == fold(sig.signer_organisation).split()
        )
        signers.append(
            Signer(
                name=sig.signer_common_name,
                organisation=sig.signer_organisation,
                tax_code=tax_code,
                is_seal=is_seal,
                verdict=str(verdict_label(sig.indication)),
                reason=signature_reason(sig),
            )
        )
    return signers


def prefill_from_pdf(*, data: bytes, validate=None) -> Prefill:
    """Suggestions for the registration form from a PDF: its signatures (through the project's validator,
    `signing.services.validate_pdf` unless `validate` is given) and its first page. Never raises for a bad PDF:
    what cannot be read is left empty, with a warning."""
    if validate is None:
        from signing.services import validate_pdf as validate
    report = validate(data)
    prefill = Prefill(indication=report.indication, validation=report.to_dict(), signers=_signers(report))
    page = read_first_page(data)
    page.pop("code_notation", None)
    prefill.fields.update(page)
    people = [s for s in prefill.signers if not s.is_seal]
    seals = [s for s in prefill.signers if s.is_seal]
    if people:
        prefill.fields["signer_name"] = people[0].name
    if "issuer_name" not in prefill.fields and (seals or people):
        prefill.fields["issuer_name"] = agency_name((seals or people)[0].organisation)
    if report.indication == Indication.UNREADABLE:
        prefill.warnings.append(report_reason(report))
    elif not report.signatures:
        prefill.warnings.append(_("Tệp không có chữ ký số."))
    elif not report.passed:
        prefill.warnings.append(
            _("Chữ ký số: %(verdict)s. Kiểm tra lại trước khi vào sổ.") % {"verdict": verdict_label(report.indication)}
        )
    issuer = prefill.fields.get("issuer_name", "")
    for seal in seals:
        if issuer and fold(seal.organisation).split() != fold(issuer).split():
            prefill.warnings.append(
                _("Cơ quan trên chữ ký số (%(signed)s) khác cơ quan ban hành ghi trên văn bản (%(printed)s).")
                % {"signed": seal.organisation, "printed": issuer}
            )
    if not page:
        prefill.warnings.append(_("Không đọc được chữ ở trang 1 (có thể là bản quét): nhập thông tin bằng tay."))
    return prefill


def prefill_from_scan(*, data: bytes, content_type: str) -> Prefill:
    """Suggestions from a paper scan: page 1 recognised now (OCRmyPDF, Vietnamese; at most
    `VANTHU_OCR_PREFILL_TIMEOUT` seconds) and read like a PDF's page 1. Raises IncomingError for a scan that is
    refused (resolution, pages, unreadable)."""
    recognised = make_searchable(
        data=data,
        content_type=content_type,
        first_page_only=True,
        page_timeout=settings.VANTHU_OCR_PREFILL_TIMEOUT,
    )
    page = read_first_page(recognised.pdf) if recognised.pdf else {}
    page.pop("code_notation", None)
    prefill = Prefill(fields=page)
    if page:
        prefill.warnings.append(_("Thông tin được đọc bằng nhận dạng chữ (OCR) từ bản quét: kiểm tra kỹ từng ô."))
    else:
        prefill.warnings.append(_("Không đọc được chữ ở trang 1 của bản quét: nhập thông tin bằng tay."))
    return prefill


def prefill_upload(*, data: bytes, content_type: str, channel: str) -> Prefill:
    """The prefill for what the clerk uploaded: a signed or electronic PDF from its signatures and text layer, a
    paper scan (an image, or an unsigned PDF received on paper) by recognising its page 1."""
    if content_type in IMAGE_TYPES or (channel == Channel.PAPER and not is_signed_pdf(data)):
        return prefill_from_scan(data=data, content_type=content_type)
    if content_type != "application/pdf":
        raise IncomingError(_("Tệp văn bản phải là tệp PDF."), detail="prefill of a non-PDF file")
    return prefill_from_pdf(data=data)
